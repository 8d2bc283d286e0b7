"""Scheduled reports: recurrence maths, CRUD, the beat sweep and e-mailed links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.core.errors import ValidationFailed
from uanl.models import Notification, Report, ReportSchedule
from uanl.reports import jobs
from uanl.reports.recurrence import next_occurrence
from uanl.reports.schedules import run_due
from uanl.reports.sources import resolve_period
from uanl.reports.tasks import run_schedules_task

URL = "/api/v1/reports/schedules"
MTY = ZoneInfo("America/Monterrey")  # UTC-6 all year since 2022


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MTY)


@pytest.mark.parametrize(
    ("spec", "after", "expected"),
    [
        ({"every": "day", "at": "08:00"}, local(2026, 1, 31, 9, 0), local(2026, 2, 1, 8, 0)),
        ({"every": "day", "at": "08:00"}, local(2026, 1, 31, 7, 59), local(2026, 1, 31, 8, 0)),
        # 0 = Monday; 2026-12-31 is a Thursday.
        ({"every": "week", "at": "07:30", "weekday": 0}, local(2026, 12, 31, 12, 0),
         local(2027, 1, 4, 7, 30)),
        ({"every": "month", "at": "06:00", "day": 28}, local(2026, 1, 28, 6, 0),
         local(2026, 2, 28, 6, 0)),
        ({"cron": "0 8 31 * *"}, local(2026, 1, 31, 9, 0), local(2026, 3, 31, 8, 0)),
        ({"cron": "0 0 29 2 *"}, local(2026, 3, 1, 0, 0), local(2028, 2, 29, 0, 0)),
        ({"cron": "*/15 9-17 * * 1-5"}, local(2026, 11, 27, 17, 50), local(2026, 11, 30, 9, 0)),
        ({"cron": "5,35 22 * * 7"}, local(2026, 11, 29, 22, 5), local(2026, 11, 29, 22, 35)),
        # Day-of-month OR day-of-week when both are restricted (cron rule).
        ({"cron": "0 12 1 * 5"}, local(2026, 11, 26, 13, 0), local(2026, 11, 27, 12, 0)),
        ({"cron": "30 23 L * *".replace("L", "28-31")}, local(2026, 2, 28, 23, 30),
         local(2026, 3, 28, 23, 30)),
    ],
)  # fmt: skip
def test_next_occurrence(spec, after, expected):
    got = next_occurrence(spec, "America/Monterrey", after.astimezone(UTC))
    assert got == expected and got.astimezone(MTY).hour == expected.hour


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"cron": "0 8 * *"}, "recurrence.cron"),
        ({"cron": "61 8 * * *"}, "recurrence.cron"),
        ({"cron": "0 8 * * mon"}, "recurrence.cron"),
        ({"every": "year"}, "recurrence.every"),
        ({"every": "day", "at": "25:00"}, "recurrence.at"),
        ({"every": "week", "at": "08:00"}, "recurrence.weekday"),
        ({"every": "month", "day": 31}, "recurrence.day"),
        ({"every": "day", "weekday": 1}, "recurrence.weekday"),
    ],
)
def test_bad_recurrence(spec, field):
    with pytest.raises(ValidationFailed) as info:
        next_occurrence(spec, "America/Monterrey", datetime.now(UTC))
    assert info.value.errors[0]["field"] == field


def test_relative_periods():
    now = local(2026, 3, 4, 1, 0).astimezone(UTC)  # a Wednesday, early morning local
    assert resolve_period("yesterday", now, MTY) == (date(2026, 3, 3), date(2026, 3, 3))
    assert resolve_period("last_7_days", now, MTY) == (date(2026, 2, 25), date(2026, 3, 3))
    assert resolve_period("last_week", now, MTY) == (date(2026, 2, 23), date(2026, 3, 1))
    assert resolve_period("last_month", now, MTY) == (date(2026, 2, 1), date(2026, 2, 28))
    assert resolve_period("this_month", now, MTY) == (date(2026, 3, 1), date(2026, 3, 4))


BODY = {
    "name": "Llamadas semanales",
    "report_type": "custom",
    "format": "csv",
    "params": {"dataset": "calls", "aggregates": [{"fn": "count"}], "period": "last_week"},
    "recurrence": {"every": "week", "at": "08:00", "weekday": 0},
    "recipients": ["jefa@example.mx", "bi@example.mx"],
}


def test_crud_and_roles(client, admin_h, sup_h):
    resp = client.post(URL, json=BODY, headers=admin_h)
    assert resp.status_code == 201, resp.text
    s = resp.json()
    assert s["timezone"] == "America/Monterrey" and s["next_run_at"]
    nxt = datetime.fromisoformat(s["next_run_at"]).astimezone(MTY)
    assert (nxt.weekday(), nxt.hour, nxt.minute) == (0, 8, 0)
    assert_problem(client.post(URL, json=BODY, headers=sup_h), 403)
    resp = client.patch(
        f"{URL}/{s['id']}", json={"recurrence": {"cron": "0 7 1 * *"}}, headers=admin_h
    )
    assert resp.status_code == 200, resp.text
    nxt = datetime.fromisoformat(resp.json()["next_run_at"]).astimezone(MTY)
    assert (nxt.day, nxt.hour) == (1, 7)
    assert client.get(URL, headers=admin_h).json()["total"] == 1
    assert client.delete(f"{URL}/{s['id']}", headers=admin_h).status_code == 204
    assert_problem(client.get(f"{URL}/{s['id']}", headers=admin_h), 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"report_type": "payroll"}, "report_type"),
        ({"recurrence": {"every": "day", "at": "8am"}}, "recurrence.at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"params": {"dataset": "calls", "columns": ["nope"]}}, "params.columns.0"),
        ({"params": {"dataset": "calls", "period": "last_year"}}, "params.period"),
        ({"recipients": ["not-an-email"]}, "recipients.0"),
    ],
)
def test_schedule_validation(client, admin_h, change, field):
    assert_problem(client.post(URL, json={**BODY, **change}, headers=admin_h), 422, field)


def test_missed_runs_run_once_and_recipients_get_a_signed_link(client, admin_h, settings):
    sid = client.post(URL, json=BODY, headers=admin_h).json()["id"]
    now = datetime.now(UTC)
    with dbmod.session_scope() as db:
        # Down for three weeks: three occurrences were missed.
        db.get(ReportSchedule, sid).next_run_at = now - timedelta(days=21)
    with dbmod.session_scope() as db:
        created = run_due(db, now)
    assert len(created) == 1
    with dbmod.session_scope() as db:
        s = db.get(ReportSchedule, sid)
        assert s.next_run_at > now and s.last_run_at is not None
        assert s.next_run_at - now <= timedelta(days=7)
    with dbmod.session_scope() as db:
        assert run_due(db, now + timedelta(seconds=30)) == []
    assert run_schedules_task() == 0
    job_id = created[0]
    assert jobs.run_job(job_id) == "done"
    with dbmod.session_scope() as db:
        report = db.get(Report, job_id)
        assert report.schedule_id == sid
        rows = db.scalars(select(Notification).where(Notification.report_id == job_id)).all()
        by_to = {n.recipient: n for n in rows}
    assert {"jefa@example.mx", "bi@example.mx"} <= set(by_to)
    # The e-mail rendered (it used to fail on the template's recipient_name).
    assert by_to["bi@example.mx"].status.value == "pending", by_to["bi@example.mx"].last_error
    link = by_to["bi@example.mx"].context["report_url"]
    assert "/reports/jobs/" in link and "token=" in link
    path = link.split("/api/v1", 1)[1]
    resp = client.get("/api/v1" + path)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")


def test_inactive_schedules_do_not_run(client, admin_h):
    sid = client.post(URL, json={**BODY, "is_active": False}, headers=admin_h).json()["id"]
    with dbmod.session_scope() as db:
        db.get(ReportSchedule, sid).next_run_at = datetime.now(UTC) - timedelta(days=1)
    with dbmod.session_scope() as db:
        assert run_due(db, datetime.now(UTC)) == []


def _deliver_schedule_mail(client, admin_h, settings, monkeypatch, limit: int):
    from tests.notifications.fakes import SmtpServer
    from uanl.notifications.delivery import deliver

    monkeypatch.setattr(settings, "report_attachment_max_bytes", limit)
    sid = client.post(URL, json={**BODY, "recipients": ["jefa@example.mx"]}, headers=admin_h)
    assert sid.status_code == 201, sid.text
    now = datetime.now(UTC)
    with dbmod.session_scope() as db:
        db.get(ReportSchedule, sid.json()["id"]).next_run_at = now - timedelta(minutes=1)
    with dbmod.session_scope() as db:
        [job_id] = run_due(db, now)
    assert jobs.run_job(job_id) == "done"
    with dbmod.session_scope() as db:
        report = db.get(Report, job_id)
        stored = jobs.get_storage().open_read(report.file_path).read()
        rows = db.scalars(select(Notification).where(Notification.report_id == job_id)).all()
        [note] = [n for n in rows if n.recipient == "jefa@example.mx"]
        assert note.status.value == "pending", note.last_error  # rendered, ready to send
        note_id = note.id
    server = SmtpServer().start()
    try:
        with dbmod.session_scope() as db:
            outcome = deliver(db, note_id, settings=server.settings(settings))
        assert outcome.status == "sent", outcome
        [mail] = server.messages
    finally:
        server.stop()
    return mail, stored


def test_scheduled_report_mail_carries_the_file(client, admin_h, settings, monkeypatch):
    mail, stored = _deliver_schedule_mail(client, admin_h, settings, monkeypatch, 10_000_000)
    [part] = list(mail.iter_attachments())
    assert part.get_filename().endswith(".csv") and part.get_content_type() == "text/csv"
    assert part.get_payload(decode=True) == stored  # the very file the job wrote
    assert "token=" in mail.get_body(("plain",)).get_content()  # and the link, as before


def test_a_file_over_the_limit_goes_as_a_link_only(client, admin_h, settings, monkeypatch):
    mail, _ = _deliver_schedule_mail(client, admin_h, settings, monkeypatch, 10)
    assert list(mail.iter_attachments()) == []
    assert "token=" in mail.get_body(("plain",)).get_content()
