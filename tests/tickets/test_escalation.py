"""Escalation sweep: once per condition, urgent neglect, priority raise, reassignment, races."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.conftest import Backend, Staff, make_operator
from tests.factories import mty, sla_ticket
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import (
    Notification,
    Operator,
    Role,
    Ticket,
    TicketEvent,
    TicketPriority,
    TicketState,
)
from uanl.tickets.escalation import escalation_sweep

T0 = mty(2026, 6, 10, 10)  # a Wednesday


def ticket_since(priority: str, created: datetime, assignee_id: int | None = None) -> int:
    with dbmod.session_scope() as db:
        return sla_ticket(db, priority, created, assignee_id=assignee_id).id


def sweep(at: datetime) -> int:
    with dbmod.session_scope() as db:
        return escalation_sweep(db, at)


def load(ticket_id: int) -> Ticket:
    with dbmod.session_scope() as db:
        t = db.get(Ticket, ticket_id)
        assert t is not None
        db.expunge(t)
        return t


def escalations(ticket_id: int) -> list[TicketEvent]:
    with dbmod.session_scope() as db:
        rows = db.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "escalated")
            .order_by(TicketEvent.id)
        ).all()
        for r in rows:
            db.expunge(r)
        return list(rows)


def set_available(operator_id: int, available: bool) -> None:
    with dbmod.session_scope() as db:
        db.execute(
            update(Operator).where(Operator.id == operator_id).values(is_available=available)
        )


def test_urgent_ticket_escalates_once_per_condition(sla_db: None, staff: Staff) -> None:
    tid = ticket_since("urgent", T0)
    assert sweep(T0 + timedelta(minutes=10)) == 0
    # Unassigned for more than 15 minutes: level 1, to the free supervisor.
    assert sweep(T0 + timedelta(minutes=16)) == 1
    t = load(tid)
    assert (t.escalation_level, t.assignee_id) == (1, staff.supervisor.id)
    assert t.escalated_at == T0 + timedelta(minutes=16)
    assert sweep(T0 + timedelta(minutes=16)) == 0  # the same sweep again: nothing
    assert sweep(T0 + timedelta(minutes=20)) == 0
    # 25 of its 30 first-response minutes used: at risk, a new condition.
    assert sweep(T0 + timedelta(minutes=25)) == 1
    assert sweep(T0 + timedelta(minutes=26)) == 0
    # First response breached (and unanswered for 30 minutes): one more, the worst reason.
    assert sweep(T0 + timedelta(minutes=31)) == 1
    assert sweep(T0 + timedelta(minutes=32)) == 0
    # Resolution breached too, but level 3 is the maximum.
    assert sweep(T0 + timedelta(hours=5)) == 0
    t = load(tid)
    assert t.escalation_level == 3 and t.priority == TicketPriority.urgent
    events = escalations(tid)
    assert [e.note.split(":")[0] for e in events if e.note] == [
        "urgent_unassigned",
        "first_response_at_risk",
        "first_response_breached",
    ]
    assert all(e.actor_type == "system" and e.actor_id is None for e in events)
    assert events[0].changes["assignee_id"] == [None, staff.supervisor.id]
    assert events[0].changes["escalation_level"] == [0, 1]


def test_urgent_unanswered_after_configured_minutes(
    sla_db: None, staff: Staff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "escalation_urgent_unanswered_minutes", 10)
    tid = ticket_since("urgent", T0, assignee_id=staff.operator.id)
    assert sweep(T0 + timedelta(minutes=9)) == 0
    assert sweep(T0 + timedelta(minutes=11)) == 1
    assert escalations(tid)[0].note.startswith("urgent_unanswered")  # type: ignore[union-attr]
    assert sweep(T0 + timedelta(minutes=12)) == 0


def test_at_risk_raises_priority_and_recomputes_deadlines(sla_db: None, staff: Staff) -> None:
    # Medium, Monday 09:00: first response due 13:00; at risk from 12:12 (48 minutes left).
    created = mty(2026, 6, 8, 9)
    tid = ticket_since("medium", created, assignee_id=staff.operator.id)
    assert sweep(mty(2026, 6, 8, 12, 5)) == 0
    assert sweep(mty(2026, 6, 8, 12, 15)) == 1
    t = load(tid)
    assert t.priority == TicketPriority.high and t.escalation_level == 1
    # The high policy (1 h / 8 h) applies from creation: due Monday 10:00 and 17:00.
    assert t.first_response_due_at == mty(2026, 6, 8, 10)
    assert t.resolution_due_at == mty(2026, 6, 8, 17)
    assert t.assignee_id == staff.supervisor.id
    ev = escalations(tid)[0]
    assert ev.changes["priority"] == ["medium", "high"]
    assert ev.changes["assignee_id"] == [staff.operator.id, staff.supervisor.id]
    # Already breached by the new targets, but that breach began before the escalation.
    assert sweep(mty(2026, 6, 8, 12, 16)) == 0
    # The resolution deadline (17:00) passes later: a new condition.
    assert sweep(mty(2026, 6, 8, 17, 30)) == 1
    t = load(tid)
    assert (t.priority, t.escalation_level) == (TicketPriority.urgent, 2)
    assert t.assignee_id == staff.supervisor.id  # already with a supervisor: kept
    assert sweep(mty(2026, 6, 8, 17, 31)) == 0


def test_raising_priority_can_be_switched_off(
    sla_db: None, staff: Staff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "escalation_raise_priority", False)
    tid = ticket_since("medium", mty(2026, 6, 8, 9))
    assert sweep(mty(2026, 6, 8, 12, 15)) == 1
    t = load(tid)
    assert t.priority == TicketPriority.medium and t.escalation_level == 1


def test_reassigns_to_least_loaded_free_senior_without_a_free_supervisor(
    sla_db: None, staff: Staff
) -> None:
    set_available(staff.supervisor.id, False)
    busy = make_operator("Sara Senior", "sara@example.mx", Role.operator, is_senior=True)
    free = make_operator("Sergio Senior", "sergio@example.mx", Role.operator, is_senior=True)
    full = make_operator(
        "Silvia Senior", "silvia@example.mx", Role.operator, is_senior=True, max_open_tickets=1
    )
    make_operator("Juan Junior", "juan@example.mx", Role.operator)  # free but not senior
    later = T0 + timedelta(days=1)
    for _ in range(2):
        ticket_since("low", later, assignee_id=busy.id)
    ticket_since("low", later, assignee_id=free.id)
    ticket_since("high", later, assignee_id=full.id)
    tid = ticket_since("urgent", T0, assignee_id=staff.operator.id)
    assert sweep(T0 + timedelta(minutes=25)) == 1  # first response at risk
    assert load(tid).assignee_id == free.id  # load 1 (one low) beats 2 (two lows)


def test_keeps_the_assignee_when_nobody_can_take_it(sla_db: None, staff: Staff) -> None:
    set_available(staff.supervisor.id, False)
    tid = ticket_since("urgent", T0, assignee_id=staff.operator.id)
    assert sweep(T0 + timedelta(minutes=25)) == 1
    t = load(tid)
    assert t.assignee_id == staff.operator.id and t.escalation_level == 1
    assert "assignee_id" not in escalations(tid)[0].changes


def test_waiting_and_resolved_tickets_are_left_alone(sla_db: None, staff: Staff) -> None:
    waiting = ticket_since("urgent", T0)
    done = ticket_since("urgent", T0)
    with dbmod.session_scope() as db:
        from uanl.tickets.service import apply_transition

        for tid, state in ((waiting, TicketState.waiting), (done, TicketState.resolved)):
            t = db.get(Ticket, tid)
            assert t is not None
            apply_transition(db, t, state, T0 + timedelta(minutes=1))
    assert sweep(T0 + timedelta(hours=6)) == 0


def test_concurrent_sweeps_never_escalate_twice(
    sla_db: None, staff: Staff, backend: Backend
) -> None:
    # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE serializes the sweeps.
    ids = [ticket_since("urgent", T0) for _ in range(60)]
    at = T0 + timedelta(minutes=16)
    barrier = threading.Barrier(3)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep(at))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sum(results) == len(ids)
    with dbmod.session_scope() as db:
        levels = db.scalars(select(Ticket.escalation_level).where(Ticket.id.in_(ids))).all()
        events = db.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "escalated")
        )
    assert set(levels) == {1} and events == len(ids)
    assert sweep(at) == 0


def _escalation_mail(ticket_id: int) -> list[tuple[str, int | None, str]]:
    with dbmod.session_scope() as db:
        rows = db.scalars(
            select(Notification)
            .where(Notification.ticket_id == ticket_id, Notification.event == "ticket.escalated")
            .order_by(Notification.id)
        ).all()
        return [(n.recipient, n.recipient_operator_id, n.context["level"]) for n in rows]


def test_escalation_notifies_the_assignee_and_the_supervisors_once_per_level(
    sla_db: None, staff: Staff
) -> None:
    set_available(staff.supervisor.id, False)  # nobody to hand it to: the operator keeps it
    tid = ticket_since("urgent", T0, assignee_id=staff.operator.id)
    assert sweep(T0 + timedelta(minutes=25)) == 1
    assert _escalation_mail(tid) == [
        ("oper@example.mx", staff.operator.id, 1),
        ("sup@example.mx", staff.supervisor.id, 1),
    ]
    assert sweep(T0 + timedelta(minutes=25)) == 0
    assert len(_escalation_mail(tid)) == 2  # a second sweep writes nothing either
    # Reassigned to the supervisor at level 2: they are told once, as assignee and supervisor.
    set_available(staff.supervisor.id, True)
    assert sweep(T0 + timedelta(minutes=31)) == 1
    assert load(tid).assignee_id == staff.supervisor.id
    assert _escalation_mail(tid)[2:] == [("sup@example.mx", staff.supervisor.id, 2)]


def test_priority_rules_are_configurable(
    sla_db: None, staff: Staff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Low jumps straight to high; medium has no rule and keeps its priority.
    monkeypatch.setattr(settings, "escalation_priority_rules", "low:high,high:urgent")
    low = ticket_since("low", mty(2026, 6, 8, 9))
    medium = ticket_since("medium", mty(2026, 6, 8, 9))
    # Low is at risk at 15:24 (8 h first response, 96 min left); medium since 12:12.
    assert sweep(mty(2026, 6, 8, 15, 30)) == 2
    assert load(low).priority == TicketPriority.high
    assert escalations(low)[0].changes["priority"] == ["low", "high"]
    assert load(medium).priority == TicketPriority.medium
    assert "priority" not in escalations(medium)[0].changes


@pytest.mark.parametrize(
    "rules", ["low:low", "high:medium", "low:medium,low:high", "low:critical", "low"]
)
def test_priority_rules_refuse_what_is_not_a_raise(rules: str, tmp_path: Path) -> None:
    from pydantic import ValidationError

    from tests.conftest import make_settings

    with pytest.raises(ValidationError, match="ESCALATION_PRIORITY_RULES|escalation"):
        make_settings(None, tmp_path, ESCALATION_PRIORITY_RULES=rules)
