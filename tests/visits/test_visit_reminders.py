"""Visit reminders: 24 h and 1 h before, each sent once, none stale, set-based and race-free."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from uanl.core import db as dbmod
from uanl.models import Client, ScheduledVisit, VisitState
from uanl.notifications import subscribers
from uanl.visits import service
from uanl.visits.tasks import visit_reminders_task

NOW = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Events the reminder sweep emits, as (event, visit id)."""
    calls: list[tuple[str, int]] = []
    lock = threading.Lock()

    def record(db, event, *, visit=None, **_):
        with lock:
            calls.append((event, visit.id))
        return []

    # The reminder sweep publishes VisitReminderDue; notifications subscribes with notify().
    monkeypatch.setattr(subscribers, "notify", record)
    return calls


@pytest.fixture
def add_visit(staff):
    with dbmod.session_scope() as db:
        client = Client(name="Farmacias del Valle", address="Hidalgo 12")
        db.add(client)
        db.flush()
        client_id = client.id

    def add(starts_in: timedelta, state: VisitState = VisitState.scheduled, now=NOW) -> int:
        with dbmod.session_scope() as db:
            visit = ScheduledVisit(
                client_id=client_id,
                operator_id=staff.operator.id,
                scheduled_start=now + starts_in,
                scheduled_end=now + starts_in + timedelta(hours=1),
                address="Hidalgo 12",
                state=state,
            )
            db.add(visit)
            db.flush()
            return visit.id

    return add


def sweep(now: datetime) -> int:
    with dbmod.session_scope() as db:
        return service.send_due_reminders(db, now)


def flags(visit_id: int) -> tuple[datetime | None, datetime | None]:
    with dbmod.session_scope() as db:
        v = db.get(ScheduledVisit, visit_id)
        assert v is not None
        return v.reminder_24h_sent_at, v.reminder_1h_sent_at


def test_each_reminder_is_sent_once_at_its_time(sent, add_visit):
    tomorrow = add_visit(timedelta(hours=20))
    far = add_visit(timedelta(hours=30))
    soon = add_visit(timedelta(minutes=30))  # booked 30 minutes ahead: only the 1 h reminder
    confirmed = add_visit(timedelta(hours=23, minutes=59), VisitState.confirmed)
    cancelled = add_visit(timedelta(hours=20), VisitState.cancelled)
    add_visit(timedelta(minutes=20), VisitState.in_progress)
    add_visit(timedelta(minutes=-10))  # already started: too late for any reminder

    assert sweep(NOW) == 3
    assert sorted(sent) == sorted(
        [
            ("visit.reminder_24h", tomorrow),
            ("visit.reminder_24h", confirmed),
            ("visit.reminder_1h", soon),
        ]
    )
    assert flags(tomorrow) == (NOW, None) and flags(soon) == (None, NOW)
    assert flags(cancelled) == (None, None) and flags(far) == (None, None)

    sent.clear()
    assert sweep(NOW) == 0 and sweep(NOW + timedelta(minutes=1)) == 0
    assert sent == []

    # 19 h later: `far` enters its 24 h window, `tomorrow` its 1 h window, `soon` is past.
    later = NOW + timedelta(hours=19, minutes=5)
    assert sweep(later) == 2
    assert sorted(sent) == sorted([("visit.reminder_24h", far), ("visit.reminder_1h", tomorrow)])
    assert flags(soon) == (None, NOW)  # never a stale 24 h reminder
    sent.clear()
    assert sweep(later) == 0
    assert sweep(NOW + timedelta(hours=23, minutes=30)) == 1
    assert sweep(NOW + timedelta(hours=29, minutes=30)) == 1
    assert sent == [("visit.reminder_1h", confirmed), ("visit.reminder_1h", far)]
    assert sweep(NOW + timedelta(days=3)) == 0


def test_window_edges(sent, add_visit):
    exactly_day = add_visit(timedelta(hours=24))
    just_over_day = add_visit(timedelta(hours=24, seconds=1))
    exactly_hour = add_visit(timedelta(hours=1))
    assert sweep(NOW) == 2
    assert sorted(sent) == sorted(
        [("visit.reminder_24h", exactly_day), ("visit.reminder_1h", exactly_hour)]
    )
    assert flags(just_over_day) == (None, None)


def test_rescheduling_sends_the_reminders_again(client, staff, op_h, sent, add_visit):
    now = datetime.now(UTC)
    visit_id = add_visit(timedelta(hours=3), now=now)
    assert sweep(now) == 1 and flags(visit_id)[0] is not None
    start = now + timedelta(days=1, hours=2)
    resp = client.post(
        f"/api/v1/visits/{visit_id}/reschedule",
        json={
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start + timedelta(hours=1)).isoformat(),
            "force": True,  # whatever the hour of the test run
        },
        headers=op_h,
    )
    assert resp.status_code == 200, resp.text
    assert flags(visit_id) == (None, None)
    sent.clear()
    assert sweep(start - timedelta(hours=23)) == 1
    assert sent == [("visit.reminder_24h", visit_id)]


def test_concurrent_sweeps_send_each_reminder_once(sent, add_visit):
    ids = [add_visit(timedelta(hours=2, minutes=i)) for i in range(20)]
    ids += [add_visit(timedelta(minutes=10 + i)) for i in range(20)]
    barrier = threading.Barrier(6)

    def run(_: int) -> int:
        barrier.wait()
        return sweep(NOW)

    with ThreadPoolExecutor(6) as pool:
        counts = list(pool.map(run, range(6)))
    assert sum(counts) == 40
    assert sorted(v for _, v in sent) == sorted(ids)


def test_the_beat_task_runs_the_sweep(sent, add_visit):
    visit_id = add_visit(timedelta(minutes=45), now=datetime.now(UTC))
    assert visit_reminders_task() == 1
    assert sent == [("visit.reminder_1h", visit_id)]
    assert visit_reminders_task() == 0
