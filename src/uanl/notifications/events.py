"""Notification events: which rows an event writes, for whom.

`emit` writes one `notifications` row per recipient and channel (deduplicated by event,
entity, channel, recipient and — where an event legitimately repeats — a discriminator such
as the ticket version or the escalation level) and queues delivery after commit. It never
sends anything itself, so it is safe inside any request or task transaction. Domain events
reach it through `uanl.notifications.subscribers`; what each event says and to whom is in
`uanl.notifications.plans`, who the people are in `uanl.notifications.recipients`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.config import Settings
from uanl.models import (
    Notification,
    NotificationChannel,
    Operator,
    Report,
    ScheduledVisit,
    Ticket,
    TicketComment,
    utcnow,
)
from uanl.notifications.creation import (
    NotificationFields,
    create_notifications,
    make_dedupe_key,
    notification_values,
)
from uanl.notifications.csat import is_assignee_address, survey_url
from uanl.notifications.plans import Plan, report_plan, ticket_plan, visit_plan
from uanl.notifications.recipients import People


class Subjects(TypedDict, total=False):
    """What an event is about and who caused it (the keyword arguments of `notify`)."""

    ticket: Ticket | None
    visit: ScheduledVisit | None
    report: Report | None
    comment: TicketComment | None
    actor: Operator | None
    extra: dict[str, Any] | None


def emit(db: Session, event: str, **subjects: Unpack[Subjects]) -> list[Notification]:
    """Create this event's notification rows; returns the rows that are new."""
    ids = notify(db, event, **subjects)
    if not ids:
        return []
    stmt = select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
    return list(db.scalars(stmt))


def _plan_ticket(people: People, event: str, s: Subjects, settings: Settings) -> Plan | None:
    ticket = s.get("ticket")
    if ticket is None:
        raise ValueError(f"{event} needs ticket=")
    return ticket_plan(
        people, event, ticket, s.get("comment"), s.get("actor"), s.get("extra") or {}, settings
    )


def _plan_visit(people: People, event: str, s: Subjects, settings: Settings) -> Plan | None:
    visit = s.get("visit")
    if visit is None:
        raise ValueError(f"{event} needs visit=")
    return visit_plan(people.db, event, visit, s.get("actor"), s.get("extra") or {}, settings)


def _plan_report(people: People, event: str, s: Subjects, settings: Settings) -> Plan | None:
    report = s.get("report")
    if report is None:
        raise ValueError(f"{event} needs report=")
    return report_plan(people.db, report, settings)


Planner = Callable[[People, str, Subjects, Settings], Plan | None]

# Every event this module knows, and the planner that turns its subjects into a plan.
PLANNERS: dict[str, Planner] = {
    "ticket.created": _plan_ticket,
    "ticket.assigned": _plan_ticket,
    "ticket.state_changed": _plan_ticket,
    "ticket.resolved": _plan_ticket,
    "ticket.escalated": _plan_ticket,
    "ticket.comment_added": _plan_ticket,
    "visit.scheduled": _plan_visit,
    "visit.rescheduled": _plan_visit,
    "visit.cancelled": _plan_visit,
    "visit.reminder_24h": _plan_visit,
    "visit.reminder_1h": _plan_visit,
    "report.ready": _plan_report,
}
EVENTS = tuple(PLANNERS)


def notify(db: Session, event: str, **subjects: Unpack[Subjects]) -> list[int]:
    """`emit` without loading the rows back: one INSERT for the event's recipients and one
    delivery task after commit; returns the ids of the new rows (for request paths)."""
    planner = PLANNERS.get(event)
    if planner is None:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    settings = config.get_settings()
    people = People(db, settings)
    plan = planner(people, event, subjects, settings)
    if plan is None:
        return []
    ticket = subjects.get("ticket")
    assignee = people.operator(ticket.assignee_id) if ticket is not None else None
    rows = _fields(event, plan, ticket, settings, assignee)
    values = [notification_values(**fields) for fields in rows]
    return sorted(create_notifications(db, values))


def emit_for_tickets(
    db: Session, event: str, items: Sequence[tuple[Ticket, dict[str, Any]]]
) -> list[int]:
    """`emit(db, event, ticket=t, extra=x)` for many tickets at once, with the same rows.

    For sweeps: clients, assignees and supervisors are read once for the batch, and the
    rows go in with one INSERT per page (`create_notifications`) and one delivery task per
    page, instead of a few queries, an INSERT and a task per row. Returns the new row ids.
    """
    if not event.startswith("ticket.") or event == "ticket.comment_added":
        raise ValueError(f"emit_for_tickets does not handle {event!r}")
    settings = config.get_settings()
    people = People(db, settings)
    people.preload(
        client_ids={t.client_id for t, _ in items if t.client_id},
        operator_ids={t.assignee_id for t, _ in items if t.assignee_id},
    )
    now = utcnow()
    values: list[dict[str, Any]] = []
    for ticket, extra in items:
        plan = ticket_plan(people, event, ticket, None, None, extra, settings)
        assignee = people.operator(ticket.assignee_id)
        for fields in _fields(event, plan, ticket, settings, assignee) if plan else ():
            fields["now"] = now
            values.append(notification_values(**fields))
    return create_notifications(db, values)


def _fields(
    event: str,
    plan: Plan,
    ticket: Ticket | None,
    settings: Settings,
    assignee: Operator | None = None,
) -> Iterator[NotificationFields]:
    """The rows of one plan: one per distinct channel and address, each with its dedupe key."""
    seen: set[tuple[NotificationChannel, str]] = set()
    for r in plan.recipients:
        if (r.channel, r.address.lower()) in seen:
            continue
        seen.add((r.channel, r.address.lower()))
        context = {**plan.context, "recipient_name": r.name}
        if event == "ticket.resolved" and r.kind == "client" and ticket is not None:
            context["csat_url"] = _csat_url(ticket, r.address, assignee, settings)
        yield NotificationFields(
            channel=r.channel,
            event=event,
            recipient=r.address,
            template=plan.template,
            context=context,
            language=r.language,
            dedupe_key=make_dedupe_key(
                event,
                plan.entity,
                plan.entity_id,
                r.channel.value,
                r.address.lower(),
                plan.discriminator,
            ),
            recipient_operator_id=r.operator_id,
            recipient_client_id=r.client_id,
            ticket_id=plan.ticket_id,
            visit_id=plan.visit_id,
            report_id=plan.report_id,
        )


def _csat_url(
    ticket: Ticket, address: str, assignee: Operator | None, settings: Settings
) -> str | None:
    """The survey link for the client's address; none once answered, and none when that
    address is the assignee's own (nobody rates their own work)."""
    if ticket.csat_submitted_at is not None or is_assignee_address(assignee, address):
        return None
    return survey_url(ticket.id, settings, recipient=address)
