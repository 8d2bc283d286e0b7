"""Which domain events notify whom: in-transaction subscribers that write the outbox rows.

Registered by `uanl.wiring` in the IN_TRANSACTION phase, so a notification row commits or
rolls back with the change that caused it (the transactional outbox), and its delivery task
is sent only after that commit. The rows read the ticket, visit or report through the same
session (their identity map already holds them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from uanl.models import Operator, Report, ScheduledVisit, Ticket, TicketComment, TicketState
from uanl.notifications import report_mail
from uanl.notifications.events import emit_for_tickets, notify
from uanl.reports.events import ReportReady
from uanl.tickets.events import (
    TicketAssigned,
    TicketCreated,
    TicketReplied,
    TicketsEscalated,
    TicketUpdated,
)
from uanl.visits.events import (
    VisitCancelled,
    VisitReminderDue,
    VisitRescheduled,
    VisitScheduled,
)


def _get(db: Session, model: Any, ident: int | None) -> Any:
    return db.get(model, ident) if ident is not None else None


def _ticket(db: Session, ticket_id: int) -> Ticket:
    ticket = db.get(Ticket, ticket_id)
    assert ticket is not None, f"ticket {ticket_id} published but not in the session"
    return ticket


def on_ticket_created(db: Session, event: TicketCreated) -> None:
    notify(
        db,
        "ticket.created",
        ticket=_ticket(db, event.ticket_id),
        actor=_get(db, Operator, event.actor_id),
    )


def on_ticket_updated(db: Session, event: TicketUpdated) -> None:
    if "state" not in event.changes:
        return
    ticket = _ticket(db, event.ticket_id)
    kind = "ticket.resolved" if ticket.state == TicketState.resolved else "ticket.state_changed"
    notify(
        db,
        kind,
        ticket=ticket,
        actor=_get(db, Operator, event.actor_id),
        extra={"from": event.changes["state"][0]},
    )


def on_ticket_assigned(db: Session, event: TicketAssigned) -> None:
    notify(
        db,
        "ticket.assigned",
        ticket=_ticket(db, event.ticket_id),
        actor=_get(db, Operator, event.actor_id),
    )


def on_ticket_replied(db: Session, event: TicketReplied) -> None:
    notify(
        db,
        "ticket.comment_added",
        ticket=_ticket(db, event.ticket_id),
        comment=_get(db, TicketComment, event.comment_id),
        actor=_get(db, Operator, event.actor_id),
    )


def on_tickets_escalated(db: Session, event: TicketsEscalated) -> None:
    items = [(_ticket(db, ticket_id), extra) for ticket_id, extra in event.escalations]
    emit_for_tickets(db, "ticket.escalated", items)


def _visit(db: Session, visit_id: int) -> ScheduledVisit:
    visit = db.get(ScheduledVisit, visit_id)
    assert visit is not None, f"visit {visit_id} published but not in the session"
    return visit


def on_visit_scheduled(db: Session, event: VisitScheduled) -> None:
    notify(
        db,
        "visit.scheduled",
        visit=_visit(db, event.visit_id),
        actor=_get(db, Operator, event.actor_id),
    )


def on_visit_rescheduled(db: Session, event: VisitRescheduled) -> None:
    notify(
        db,
        "visit.rescheduled",
        visit=_visit(db, event.visit_id),
        actor=_get(db, Operator, event.actor_id),
        extra={"changes": event.changes},
    )


def on_visit_cancelled(db: Session, event: VisitCancelled) -> None:
    notify(
        db,
        "visit.cancelled",
        visit=_visit(db, event.visit_id),
        actor=_get(db, Operator, event.actor_id),
        extra={"reason": event.reason},
    )


def on_visit_reminder_due(db: Session, event: VisitReminderDue) -> None:
    notify(db, f"visit.reminder_{event.before}", visit=_visit(db, event.visit_id))


def on_report_ready(db: Session, event: ReportReady) -> None:
    report = db.get(Report, event.report_id)
    if report is None:
        return
    if report.requested_by_id is not None:
        notify(db, "report.ready", report=report)
    for address in report_mail.recipients(report):
        report_mail.email_report(db, report, address)
