"""Report jobs: queue, run (a real worker), download with authorization, clean up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import assert_problem
from tests.workers import running_worker, wait_for
from uanl.core import db as dbmod
from uanl.models import Call, CallDirection, CallOutcome, Notification, Report, ReportStatus
from uanl.reports import jobs
from uanl.reports.storage import get_storage

URL = "/api/v1/reports/jobs"
CUSTOM = {"dataset": "calls", "columns": ["id", "duration_s"], "sort": ["id"]}


def _calls(n: int = 3) -> None:
    with dbmod.session_scope() as db:
        for i in range(n):
            db.add(
                Call(
                    direction=CallDirection.inbound,
                    outcome=CallOutcome.resolved,
                    started_at=datetime(2026, 11, 3, 15, tzinfo=UTC) + timedelta(hours=i),
                    duration_s=100 + i,
                )
            )


def _job(client, headers, report="custom", fmt="csv", params=None):
    resp = client.post(
        URL,
        json={"report": report, "format": fmt, "params": CUSTOM if params is None else params},
        headers=headers,
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] == "queued"
    return resp.json()["id"]


def test_job_lifecycle_with_a_real_worker(client, settings, staff, op_h, sup_h, admin_h):
    _calls(3)
    with running_worker(settings):
        job_id = _job(client, sup_h)

        def done():
            body = client.get(f"{URL}/{job_id}", headers=sup_h).json()
            return body if body["status"] in ("done", "failed") else None

        body = wait_for(done, timeout=40)
    assert body["status"] == "done", body
    assert body["progress"] == 100 and body["row_count"] == 3 and body["file_size"] > 0
    assert body["expires_at"] and body["download_url"].endswith(f"/jobs/{job_id}/download")
    resp = client.get(f"{URL}/{job_id}/download", headers=sup_h)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert "100" in resp.text and "102" in resp.text
    assert len(resp.content) == body["file_size"]
    # Authorization: an operator may not, another manager may.
    assert_problem(client.get(f"{URL}/{job_id}/download", headers=op_h), 403)
    assert_problem(client.get(f"{URL}/{job_id}", headers=op_h), 403)
    assert client.get(f"{URL}/{job_id}/download", headers=admin_h).status_code == 200
    assert_problem(client.get(f"{URL}/{job_id}/download"), 401)
    # The requester is told (report.ready notification row).
    with dbmod.session_scope() as db:
        rows = db.query(Notification).filter_by(report_id=job_id).all()
        assert [n.recipient for n in rows] == [staff.supervisor.email]


def test_operators_cannot_queue_reports(client, op_h):
    # Reports are for supervisors and admins; a job must not be a way around that.
    for report, params in (("operators", {}), ("analytics", {}), ("custom", CUSTOM)):
        body = {"report": report, "format": "csv", "params": params}
        assert_problem(client.post(URL, json=body, headers=op_h), 403)


def test_download_before_done_is_409_and_listing_scope(client, staff, op_h, sup_h, admin_h):
    mine = _job(client, sup_h)
    theirs = _job(client, admin_h)
    assert_problem(client.get(f"{URL}/{mine}/download", headers=sup_h), 409)
    listed = client.get(URL, headers=sup_h, params={"mine": "true"}).json()["items"]
    assert [j["id"] for j in listed] == [mine]
    assert {j["id"] for j in client.get(URL, headers=sup_h).json()["items"]} == {mine, theirs}
    assert client.get(URL, headers=op_h).json()["items"] == []  # operators see their own only
    assert_problem(client.get(f"{URL}/99999", headers=sup_h), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report": "payroll", "format": "csv"}, "report"),
        ({"report": "custom", "format": "pdf", "params": CUSTOM}, "format"),
        ({"report": "custom", "params": {"dataset": "calls", "columns": ["x"]}},
         "params.columns.0"),
        ({"report": "analytics", "params": {"entity": "users"}}, "params.entity"),
        ({"report": "calls", "params": {"group_by": "year"}}, "params.group_by"),
    ],
)  # fmt: skip
def test_job_validation(client, sup_h, body, field):
    assert_problem(client.post(URL, json=body, headers=sup_h), 422, field)


def test_run_in_process_every_report_type(client, staff, sup_h):
    _calls(2)
    cases = [
        ("custom", "xlsx", CUSTOM),
        ("analytics", "jsonl", {"entity": "calls"}),
        ("calls", "json", {"period": "last_month"}),
        ("tickets", "csv", {"from": "2026-11-01", "to": "2026-11-05"}),
        ("operators", "xlsx", {}),
    ]
    for report, fmt, params in cases:
        job_id = _job(client, sup_h, report, fmt, params)
        assert jobs.run_job(job_id) == "done"
        assert jobs.run_job(job_id) == "skipped"  # a redelivered message does nothing
        body = client.get(f"{URL}/{job_id}", headers=sup_h).json()
        assert body["status"] == "done", (report, body)
        resp = client.get(f"{URL}/{job_id}/download", headers=sup_h)
        assert resp.status_code == 200 and len(resp.content) == body["file_size"]


def test_failure_is_recorded(client, sup_h, monkeypatch):
    job_id = _job(client, sup_h)

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "build_source", boom)
    assert jobs.run_job(job_id) == "failed"
    body = client.get(f"{URL}/{job_id}", headers=sup_h).json()
    assert body["status"] == "failed" and "disk on fire" in body["error"]
    assert_problem(client.get(f"{URL}/{job_id}/download", headers=sup_h), 409)


def test_cleanup_deletes_expired_files_and_marks_rows(client, sup_h):
    _calls(1)
    old, fresh = _job(client, sup_h), _job(client, sup_h)
    assert jobs.run_job(old) == "done" and jobs.run_job(fresh) == "done"
    storage = get_storage()
    with dbmod.session_scope() as db:
        old_row, fresh_row = db.get(Report, old), db.get(Report, fresh)
        old_path, fresh_path = old_row.file_path, fresh_row.file_path
        old_row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert storage.exists(old_path)
    with dbmod.session_scope() as db:
        assert jobs.cleanup(db, datetime.now(UTC)) == 1
    assert not storage.exists(old_path) and storage.exists(fresh_path)
    with dbmod.session_scope() as db:
        assert db.get(Report, old).status == ReportStatus.expired
        assert db.get(Report, old).file_path is None
        assert db.get(Report, fresh).status == ReportStatus.done
    assert_problem(client.get(f"{URL}/{old}/download", headers=sup_h), 409)


def test_signed_link(client, sup_h):
    job_id = _job(client, sup_h)
    assert jobs.run_job(job_id) == "done"
    with dbmod.session_scope() as db:
        token = jobs.download_token(db.get(Report, job_id))
    assert client.get(f"{URL}/{job_id}/download", params={"token": token}).status_code == 200
    assert_problem(client.get(f"{URL}/{job_id}/download", params={"token": token + "x"}), 403)
    assert_problem(client.get(f"{URL}/{job_id + 1}/download", params={"token": token}), 403)


def test_progress_moves_while_rows_are_written(client, staff, sup_h, monkeypatch):
    """A long job shows 5 -> 95 as it writes (read by another session mid-way), then 100."""
    _calls(12)
    job_id = _job(client, sup_h, report="analytics", params={"entity": "calls"})
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 3)
    with dbmod.session_scope() as db:
        assert jobs._claim(db, job_id, datetime.now(UTC))
    seen = []
    with dbmod.read_scope() as db:
        source = jobs.build_source(db, "analytics", {"entity": "calls"})
        assert source.expected_rows == 12
        rows = jobs._counted(source.rows, [0], job_id, source.expected_rows)
        for _ in range(12):
            next(rows)
            seen.append(client.get(f"{URL}/{job_id}", headers=sup_h).json()["progress"])
    assert seen[:2] == [5, 5]
    assert seen[2] == 5 + int(90 * 3 / 12)
    assert seen == sorted(seen) and seen[-1] == 95


def test_analytics_job_reports_progress_to_100(client, settings, staff, sup_h):
    _calls(4)
    job_id = _job(client, sup_h, report="analytics", fmt="xlsx", params={"entity": "calls"})
    assert jobs.run_job(job_id) == "done"
    body = client.get(f"{URL}/{job_id}", headers=sup_h).json()
    assert body["status"] == "done" and body["progress"] == 100 and body["row_count"] == 4
