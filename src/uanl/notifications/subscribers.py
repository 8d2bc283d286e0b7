"""Which domain events notify whom: in-transaction subscribers that write the outbox rows.

Registered by `uanl.wiring` in the IN_TRANSACTION phase, so a notification row commits or
rolls back with the change that caused it (the transactional outbox), and its delivery task
is sent only after that commit. The rows read the ticket, visit or report through the same
session (their identity map already holds them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from uanl.models import Operator, Report, ScheduledVisit, Ticket, TicketComment, TicketState
from uanl.notifications import report_mail
from uanl.notifications.events import emit_for_tickets, notify
from uanl.reports.events import ReportReady
from uanl.tickets import events as tickets
from uanl.visits import events as visits

Handler = Callable[[Session, Any], None]
Extra = Callable[[Any], dict[str, Any] | None]


def _get(db: Session, model: Any, ident: int | None) -> Any:
    return db.get(model, ident) if ident is not None else None


def _ticket(db: Session, ticket_id: int) -> Ticket:
    ticket = db.get(Ticket, ticket_id)
    assert ticket is not None, f"ticket {ticket_id} published but not in the session"
    return ticket


def _visit(db: Session, visit_id: int) -> ScheduledVisit:
    visit = db.get(ScheduledVisit, visit_id)
    assert visit is not None, f"visit {visit_id} published but not in the session"
    return visit


def _no_extra(event: Any) -> None:
    return None


def _notify_ticket(
    db: Session,
    kind: str,
    event: Any,
    comment: TicketComment | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """`kind` about the event's ticket, caused by its actor."""
    ticket = _ticket(db, event.ticket_id)
    actor = _get(db, Operator, event.actor_id)
    notify(db, kind, ticket=ticket, comment=comment, actor=actor, extra=extra)


def _ticket_notice(kind: str) -> Handler:
    """A handler that notifies `kind` about the event's ticket."""

    def handler(db: Session, event: Any) -> None:
        _notify_ticket(db, kind, event)

    return handler


def _visit_notice(kind: str, extra: Extra = _no_extra) -> Handler:
    """A handler that notifies `kind` about the event's visit, with what `extra` picks out."""

    def handler(db: Session, event: Any) -> None:
        visit = _visit(db, event.visit_id)
        actor = _get(db, Operator, event.actor_id)
        notify(db, kind, visit=visit, actor=actor, extra=extra(event))

    return handler


# The events that notify one name about their ticket or visit (the handlers `wiring` names).
on_ticket_created = _ticket_notice("ticket.created")
on_ticket_assigned = _ticket_notice("ticket.assigned")
on_visit_scheduled = _visit_notice("visit.scheduled")
on_visit_rescheduled = _visit_notice("visit.rescheduled", lambda e: {"changes": e.changes})
on_visit_cancelled = _visit_notice("visit.cancelled", lambda e: {"reason": e.reason})


def on_ticket_updated(db: Session, event: tickets.TicketUpdated) -> None:
    if "state" not in event.changes:
        return
    ticket = _ticket(db, event.ticket_id)
    kind = "ticket.resolved" if ticket.state == TicketState.resolved else "ticket.state_changed"
    _notify_ticket(db, kind, event, extra={"from": event.changes["state"][0]})


def on_ticket_replied(db: Session, event: tickets.TicketReplied) -> None:
    comment = _get(db, TicketComment, event.comment_id)
    _notify_ticket(db, "ticket.comment_added", event, comment=comment)


def on_tickets_escalated(db: Session, event: tickets.TicketsEscalated) -> None:
    items = [(_ticket(db, ticket_id), extra) for ticket_id, extra in event.escalations]
    emit_for_tickets(db, "ticket.escalated", items)


def on_visit_reminder_due(db: Session, event: visits.VisitReminderDue) -> None:
    notify(db, f"visit.reminder_{event.before}", visit=_visit(db, event.visit_id))


def on_report_ready(db: Session, event: ReportReady) -> None:
    report = db.get(Report, event.report_id)
    if report is None:
        return
    if report.requested_by_id is not None:
        notify(db, "report.ready", report=report)
    for address in report_mail.recipients(report):
        report_mail.email_report(db, report, address)
