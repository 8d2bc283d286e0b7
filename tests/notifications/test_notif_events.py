"""Who hears about what: recipients, languages, channels and dedupe per event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Staff
from tests.factories import make_client, make_ticket
from tests.notifications.helpers import make_visit, rows
from uanl.core.config import Settings
from uanl.core.tasks import pending_tasks
from uanl.models import (
    Language,
    Notification,
    NotificationChannel,
    Operator,
    Report,
    ReportFormat,
    ReportStatus,
    TicketComment,
    TicketState,
    utcnow,
)
from uanl.notifications.creation import make_dedupe_key
from uanl.notifications.events import emit, emit_for_tickets
from uanl.tickets import service as tickets
from uanl.tickets.schemas import TicketUpdate


def _to(ns: list[Notification]) -> list[tuple[str, str, str]]:
    return [(n.channel.value, n.recipient, n.language.value) for n in ns]


def test_created_goes_to_client_in_their_language_once(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    client = make_client(db, language=Language.en, email="buyer@brewery.com")
    ticket = make_ticket(db, staff.admin.id, client)
    [row] = rows(db, event="ticket.created")
    assert _to([row]) == [("email", "buyer@brewery.com", "en")]
    assert row.subject == f"[Ticket #{ticket.id}] We received your request: Impresora sin tóner"
    assert f"https://mesa.example.mx/tickets/{ticket.id}" in (row.body or "")
    assert row.recipient_client_id == client.id and row.ticket_id == ticket.id
    # The dedupe key is a keyed hash: the address it names is not stored in the clear.
    expected = make_dedupe_key("ticket.created", "ticket", ticket.id, "email", "buyer@brewery.com")
    assert row.dedupe_key == expected and "brewery" not in (row.dedupe_key or "")
    # Replaying the event (a retried request, a second worker) adds nothing.
    assert emit(db, "ticket.created", ticket=ticket) == []
    assert emit(db, "ticket.created", ticket=ticket) == []
    db.commit()
    assert len(rows(db, event="ticket.created")) == 1


def test_requester_email_when_the_client_has_none(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    make_ticket(db, staff.admin.id, None, requester_email="persona@correo.mx")
    assert _to(rows(db)) == [("email", "persona@correo.mx", "es")]


def test_lifecycle_events(db: Session, notif_settings: Settings, staff: Staff) -> None:
    client = make_client(db)
    ticket = make_ticket(db, staff.admin.id, client)
    admin = db.get(Operator, staff.admin.id)
    assert admin is not None
    tickets.update_ticket(db, ticket, TicketUpdate(assignee_id=staff.operator.id), admin)
    db.commit()
    [assigned] = rows(db, event="ticket.assigned")
    assert _to([assigned]) == [("email", "oper@example.mx", "es")]
    assert assigned.recipient_operator_id == staff.operator.id

    tickets.update_ticket(db, ticket, TicketUpdate(state=TicketState.in_progress), admin)
    tickets.update_ticket(db, ticket, TicketUpdate(state=TicketState.waiting), admin)
    db.commit()
    changed = rows(db, event="ticket.state_changed")
    assert [n.context["to_state"] for n in changed] == ["in_progress", "waiting"]
    assert changed[1].subject == f"[Ticket #{ticket.id}] Ahora está en espera"

    tickets.update_ticket(db, ticket, TicketUpdate(state=TicketState.resolved), admin)
    db.commit()
    [resolved] = rows(db, event="ticket.resolved")
    assert resolved.recipient == "ana@cliente.mx"
    csat_url = resolved.context["csat_url"]
    assert csat_url.startswith("https://mesa.example.mx/api/v1/csat/")
    assert f"{csat_url}?score=5" in (resolved.body or "")

    # An operator assigning a ticket to themselves is not e-mailed about it.
    oper = db.get(Operator, staff.operator2.id)
    assert oper is not None
    other = make_ticket(db, staff.admin.id, client, title="Red caída")
    tickets.update_ticket(db, other, TicketUpdate(assignee_id=oper.id), oper)
    db.commit()
    assert rows(db, event="ticket.assigned", ticket_id=other.id) == []


def test_escalation_to_supervisors_and_channels_once_per_level(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    ticket = make_ticket(db, staff.admin.id, make_client(db), priority="urgent")
    created = emit(db, "ticket.escalated", ticket=ticket, extra={"level": 1, "reason": "SLA"})
    assert _to(created) == [
        ("email", "sup@example.mx", "es"),
        ("slack", "slack-webhook", "es"),
        ("teams", "teams-webhook", "es"),
    ]
    assert created[0].subject == f"[Escalamiento nivel 1] Ticket #{ticket.id}: Impresora sin tóner"
    assert emit(db, "ticket.escalated", ticket=ticket, extra={"level": 1}) == []
    assert len(emit(db, "ticket.escalated", ticket=ticket, extra={"level": 2})) == 3
    db.commit()


def test_comment_goes_to_the_other_party(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    client = make_client(db)
    ticket = make_ticket(db, staff.admin.id, client, assignee_id=staff.operator.id)
    staff_reply = TicketComment(
        ticket_id=ticket.id, author_id=staff.operator.id, author_name="Óscar", body="Voy para allá"
    )
    internal = TicketComment(
        ticket_id=ticket.id, author_id=staff.operator.id, body="nota", is_internal=True
    )
    client_reply = TicketComment(
        ticket_id=ticket.id, author_id=None, author_email="ana@cliente.mx", body="Gracias"
    )
    db.add_all([staff_reply, internal, client_reply])
    db.flush()
    [to_client] = emit(db, "ticket.comment_added", ticket=ticket, comment=staff_reply)
    assert to_client.recipient == "ana@cliente.mx"
    assert "Voy para allá" in (to_client.body or "")
    assert emit(db, "ticket.comment_added", ticket=ticket, comment=internal) == []
    [to_assignee] = emit(db, "ticket.comment_added", ticket=ticket, comment=client_reply)
    assert to_assignee.recipient == "oper@example.mx"
    assert to_assignee.subject == f"[Ticket #{ticket.id}] Nuevo comentario de ana@cliente.mx"
    db.commit()


def test_visit_events_reach_client_and_operator(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    client = make_client(db, language=Language.en)
    visit = make_visit(db, client, staff.operator.id, None)
    scheduled = emit(db, "visit.scheduled", visit=visit)
    assert _to(scheduled) == [
        ("email", "ana@cliente.mx", "en"),
        ("email", "oper@example.mx", "es"),
    ]
    assert scheduled[0].subject.startswith("Visit scheduled:")
    assert scheduled[1].subject.startswith("Visita programada:")
    reminder = emit(db, "visit.reminder_24h", visit=visit)
    # Twilio is configured and the client has a phone: an SMS too (E.164, Mexico by default).
    assert _to(reminder)[-1] == ("sms", "+528112345678", "en")
    assert emit(db, "visit.reminder_24h", visit=visit) == []
    previous = visit.scheduled_start
    visit.scheduled_start += timedelta(days=1)
    visit.scheduled_end += timedelta(days=1)
    visit.reschedule_count += 1
    db.flush()
    changes = {"scheduled_start": [previous.isoformat(), visit.scheduled_start.isoformat()]}
    moved = emit(db, "visit.rescheduled", visit=visit, extra={"changes": changes})
    assert len(moved) == 2 and moved[0].context["previous_start"] == previous.isoformat()
    assert "Previous date:" in (moved[0].body or "")
    # The moved visit is reminded again; the operator who moved it is not told about it.
    assert len(emit(db, "visit.reminder_24h", visit=visit)) == 3
    operator = db.get(Operator, staff.operator.id)
    visit.address = "Otra dirección"
    db.flush()
    assert _to(emit(db, "visit.rescheduled", visit=visit, actor=operator)) == [
        ("email", "ana@cliente.mx", "en")
    ]
    cancelled = emit(db, "visit.cancelled", visit=visit, extra={"reason": "El cliente no estará"})
    assert "El cliente no estará" in (cancelled[1].body or "")
    db.commit()
    assert len(rows(db, visit_id=visit.id)) == 2 + 3 + 2 + 3 + 1 + 2


def test_report_ready_goes_to_requester(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    report = Report(
        report_type="tickets",
        format=ReportFormat.csv,
        status=ReportStatus.done,
        requested_by_id=staff.supervisor.id,
        row_count=10,
        expires_at=utcnow() + timedelta(days=7),
    )
    db.add(report)
    db.flush()
    [row] = emit(db, "report.ready", report=report)
    assert row.recipient == "sup@example.mx" and row.report_id == report.id
    assert f"/api/v1/reports/jobs/{report.id}/download" in (row.body or "")
    db.commit()


def test_unknown_event_is_a_programming_error(db: Session, notif_settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown notification event"):
        emit(db, "ticket.exploded")
    with pytest.raises(ValueError, match="needs ticket"):
        emit(db, "ticket.created")
    assert rows(db) == [] and NotificationChannel.email


def _columns(ns: list[Notification]) -> list[tuple[object, ...]]:
    """Everything a row holds but its id and instants, contact data decrypted."""
    return sorted(
        (
            n.dedupe_key,
            n.channel.value,
            n.event,
            n.recipient,
            n.recipient_bidx,
            n.recipient_operator_id,
            n.recipient_client_id,
            n.language.value,
            n.template,
            n.subject,
            n.body,
            sorted(n.context.items()),
            n.status.value,
            n.attempts,
            n.last_error,
            n.ticket_id,
        )
        for n in ns
    )


def test_bulk_escalation_rows_are_the_rows_emit_writes(
    db: Session, notif_settings: Settings, staff: Staff
) -> None:
    """`emit_for_tickets` (the escalation sweep's path) writes exactly what `emit` writes for
    each ticket, queues one batch task for the whole batch instead of one per ticket, and a
    replay by either path creates nothing."""
    english = Operator(
        name="Susan Supervisor",
        email="susan@example.mx",
        role=staff.supervisor.role,
        language=Language.en,
        password_hash="x",
        skills=[],
    )
    db.add(english)
    db.commit()
    customer = make_client(db, language=Language.en)
    items = [
        (make_ticket(db, staff.admin.id, customer, priority="urgent"), {"level": 1, "reason": "r"}),
        (make_ticket(db, staff.admin.id, None, priority="high"), {"level": 2, "reason": "s"}),
        (
            make_ticket(db, staff.admin.id, customer, assignee_id=staff.operator.id),
            {"level": 1, "reason": None},
        ),
    ]
    one_by_one = [
        n for t, extra in items for n in emit(db, "ticket.escalated", ticket=t, extra=extra)
    ]
    # Two supervisors' e-mails, Slack and Teams per ticket, and the third one's assignee.
    assert len(one_by_one) == 3 * 4 + 1
    expected = _columns(one_by_one)
    # One INSERT and one task per event: a batch task carries that event's rows.
    tasks_one_by_one = pending_tasks(db)
    assert [name for name, *_ in tasks_one_by_one] == ["uanl.notifications.deliver_batch"] * 3
    assert sorted(i for _, (ids, *_), *_ in tasks_one_by_one for i in ids) == sorted(
        n.id for n in one_by_one
    )
    db.rollback()

    ids = emit_for_tickets(db, "ticket.escalated", items)
    assert len(ids) == 13
    assert pending_tasks(db) == [
        ("uanl.notifications.deliver_batch", (sorted(ids),), {}, {"ignore_result": True})
    ]
    db.flush()
    bulk = list(db.scalars(select(Notification).where(Notification.id.in_(ids))))
    assert _columns(bulk) == expected
    db.commit()

    assert emit_for_tickets(db, "ticket.escalated", items) == []
    assert [
        n for t, extra in items for n in emit(db, "ticket.escalated", ticket=t, extra=extra)
    ] == []
    assert pending_tasks(db) == []
    db.commit()
    assert len(rows(db, event="ticket.escalated")) == 13


def test_bulk_emit_refuses_events_it_cannot_plan(db: Session, notif_settings: Settings) -> None:
    with pytest.raises(ValueError, match="comment_added"):
        emit_for_tickets(db, "ticket.comment_added", [])
