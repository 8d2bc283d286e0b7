"""Domain events that produce notifications.

`emit` writes one `notifications` row per recipient and channel (deduplicated by event,
entity, channel, recipient and — where an event legitimately repeats — a discriminator such
as the ticket version or the escalation level) and queues delivery after commit. It never
sends anything itself, so it is safe inside any request or task transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.config import Settings
from uanl.models import (
    Client,
    Language,
    Notification,
    NotificationChannel,
    Operator,
    Report,
    Role,
    ScheduledVisit,
    Ticket,
    TicketComment,
    utcnow,
)
from uanl.notifications.channels import to_e164
from uanl.notifications.service import (
    NotificationFields,
    create_notifications,
    make_dedupe_key,
    notification_values,
)

EVENTS = (
    "ticket.created",
    "ticket.assigned",
    "ticket.state_changed",
    "ticket.resolved",
    "ticket.escalated",
    "ticket.comment_added",
    "visit.scheduled",
    "visit.rescheduled",
    "visit.cancelled",
    "visit.reminder_24h",
    "visit.reminder_1h",
    "report.ready",
)

_M = TypeVar("_M", Client, Operator)

SLACK_RECIPIENT = "slack-webhook"
TEAMS_RECIPIENT = "teams-webhook"


@dataclass(frozen=True)
class Recipient:
    channel: NotificationChannel
    address: str
    language: Language = Language.es
    name: str | None = None
    operator_id: int | None = None
    client_id: int | None = None
    kind: str = "client"  # client | operator | supervisor | channel


@dataclass
class Plan:
    entity: str
    entity_id: int
    template: str
    context: dict[str, Any]
    recipients: list[Recipient]
    discriminator: str | None = None
    ticket_id: int | None = None
    visit_id: int | None = None
    report_id: int | None = None


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


def notify(
    db: Session,
    event: str,
    *,
    ticket: Ticket | None = None,
    visit: ScheduledVisit | None = None,
    report: Report | None = None,
    comment: TicketComment | None = None,
    actor: Operator | None = None,
    extra: dict[str, Any] | None = None,
) -> list[int]:
    """`emit` without loading the rows back: one INSERT for the event's recipients and one
    delivery task after commit; returns the ids of the new rows (for request paths)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    settings = config.get_settings()
    extra = extra or {}
    people = People(db, settings)
    plan: Plan | None
    if event.startswith("ticket."):
        if ticket is None:
            raise ValueError(f"{event} needs ticket=")
        plan = _ticket_plan(people, event, ticket, comment, actor, extra, settings)
    elif event.startswith("visit."):
        if visit is None:
            raise ValueError(f"{event} needs visit=")
        plan = _visit_plan(db, event, visit, actor, extra, settings)
    else:
        if report is None:
            raise ValueError(f"{event} needs report=")
        plan = _report_plan(db, report, settings)
    if plan is None:
        return []
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
        plan = _ticket_plan(people, event, ticket, None, None, extra, settings)
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


class People:
    """Clients, operators and the supervisors' recipients that plans need, each read once.

    `emit` reads them one by one (`Session.get`); `emit_for_tickets` preloads a batch's
    with one query each. The objects are held here, so the session's weak identity map
    cannot drop them between two tickets of the batch."""

    def __init__(self, db: Session, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._clients: dict[int, Client | None] = {}
        self._operators: dict[int, Operator | None] = {}
        self._supervisors: list[Recipient] | None = None

    def preload(self, *, client_ids: set[int], operator_ids: set[int]) -> None:
        ids = sorted(client_ids - self._clients.keys())
        for client in self.db.scalars(select(Client).where(Client.id.in_(ids))) if ids else ():
            self._clients[client.id] = client
        ids = sorted(operator_ids - self._operators.keys())
        found = self.db.scalars(select(Operator).where(Operator.id.in_(ids))) if ids else ()
        for operator in found:
            self._operators[operator.id] = operator

    def client(self, client_id: int | None) -> Client | None:
        return self._get(Client, self._clients, client_id)

    def operator(self, operator_id: int | None) -> Operator | None:
        return self._get(Operator, self._operators, operator_id)

    def _get(self, model: type[_M], seen: dict[int, _M | None], row_id: int | None) -> _M | None:
        if not row_id:
            return None
        if row_id not in seen:
            seen[row_id] = self.db.get(model, row_id)
        return seen[row_id]

    def supervisors(self) -> list[Recipient]:
        if self._supervisors is None:
            self._supervisors = _supervisors(self.db, self.settings)
        return self._supervisors


# --------------------------------------------------------------------------- recipients


def _client_recipient(client: Client | None, fallback_email: str | None = None) -> list[Recipient]:
    email = (client.email if client else None) or fallback_email
    if not email:
        return []
    return [
        Recipient(
            NotificationChannel.email,
            email.strip(),
            client.language if client else Language.es,
            (client.contact_name or client.name) if client else None,
            client_id=client.id if client else None,
        )
    ]


def _operator_recipient(operator: Operator | None, kind: str = "operator") -> list[Recipient]:
    if operator is None or not operator.is_active or not operator.email:
        return []
    return [
        Recipient(
            NotificationChannel.email,
            operator.email,
            operator.language,
            operator.name,
            operator_id=operator.id,
            kind=kind,
        )
    ]


def _sms_recipient(client: Client | None, settings: Settings) -> list[Recipient]:
    if client is None or not client.phone or not settings.twilio_account_sid:
        return []
    return [
        Recipient(
            NotificationChannel.sms,
            to_e164(client.phone),
            client.language,
            client.contact_name or client.name,
            client_id=client.id,
        )
    ]


def _supervisors(db: Session, settings: Settings) -> list[Recipient]:
    stmt = select(Operator).where(Operator.role == Role.supervisor, Operator.is_active.is_(True))
    out = [
        r
        for op in db.scalars(stmt.order_by(Operator.id))
        for r in _operator_recipient(op, "supervisor")
    ]
    if settings.slack_webhook_url:
        out.append(Recipient(NotificationChannel.slack, SLACK_RECIPIENT, kind="channel"))
    if settings.teams_webhook_url:
        out.append(Recipient(NotificationChannel.teams, TEAMS_RECIPIENT, kind="channel"))
    return out


def _not_actor(recipients: list[Recipient], actor: Operator | None) -> list[Recipient]:
    """Nobody is told about what they did themselves."""
    if actor is None:
        return recipients
    return [r for r in recipients if r.operator_id != actor.id]


# --------------------------------------------------------------------------- plans


def ticket_url(settings: Settings, ticket_id: int) -> str:
    return f"{settings.public_base_url.rstrip('/')}/tickets/{ticket_id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ticket_context(people: People, ticket: Ticket, settings: Settings) -> dict[str, Any]:
    client = people.client(ticket.client_id)
    assignee = people.operator(ticket.assignee_id)
    return {
        "ticket_id": ticket.id,
        "ticket_title": ticket.title,
        "ticket_state": ticket.state.value,
        "ticket_priority": ticket.priority.value,
        "ticket_url": ticket_url(settings, ticket.id),
        "client_name": client.name if client else ticket.requester_name,
        "assignee_name": assignee.name if assignee else None,
        "resolution_due_at": _iso(ticket.resolution_due_at),
    }


def _ticket_plan(
    people: People,
    event: str,
    ticket: Ticket,
    comment: TicketComment | None,
    actor: Operator | None,
    extra: dict[str, Any],
    settings: Settings,
) -> Plan | None:
    context = _ticket_context(people, ticket, settings)
    client = people.client(ticket.client_id)
    to_client = _client_recipient(client, ticket.requester_email)
    template = event.replace(".", "_")
    discriminator: str | None = None
    recipients: list[Recipient]
    if event == "ticket.created":
        recipients = to_client
    elif event == "ticket.assigned":
        assignee = people.operator(ticket.assignee_id)
        recipients = _not_actor(_operator_recipient(assignee), actor)
        stamp = ticket.assigned_at
        discriminator = f"t{int(stamp.timestamp())}" if stamp else f"v{ticket.version}"
    elif event in ("ticket.state_changed", "ticket.resolved"):
        recipients = to_client
        context["from_state"] = str(extra.get("from") or "")
        context["to_state"] = ticket.state.value
        discriminator = f"{ticket.state.value}:v{ticket.version}"
    elif event == "ticket.escalated":
        level = int(extra.get("level") or ticket.escalation_level or 1)
        context["level"] = level
        context["reason"] = extra.get("reason")
        # The assignee (after any reassignment by the sweep: the one who must act now) and
        # every supervisor; the dedupe below keeps a supervisor-assignee to one message.
        assignee = people.operator(ticket.assignee_id)
        recipients = _operator_recipient(assignee) + people.supervisors()
        discriminator = f"l{level}"
    else:  # ticket.comment_added
        if comment is None or comment.is_internal:
            return None
        context["comment_body"] = comment.body[:4000]
        context["comment_author"] = comment.author_name or comment.author_email or "—"
        if comment.author_id is None:  # the client wrote: tell the assignee
            assignee = people.operator(ticket.assignee_id)
            recipients = _operator_recipient(assignee)
        else:  # staff replied publicly: tell the client
            recipients = to_client
        discriminator = f"c{comment.id}"
    if not recipients:
        return None
    return Plan(
        "ticket", ticket.id, template, context, recipients, discriminator, ticket_id=ticket.id
    )


def _visit_plan(
    db: Session,
    event: str,
    visit: ScheduledVisit,
    actor: Operator | None,
    extra: dict[str, Any],
    settings: Settings,
) -> Plan | None:
    client = db.get(Client, visit.client_id)
    operator = db.get(Operator, visit.operator_id) if visit.operator_id else None
    # visits.service passes {"changes": {"scheduled_start": [before, after], ...}}.
    moved = (extra.get("changes") or {}).get("scheduled_start") or [None, None]
    previous = extra.get("previous_start") or (moved[0] if moved[0] != moved[1] else None)
    context: dict[str, Any] = {
        "visit_id": visit.id,
        "ticket_id": visit.ticket_id,
        "ticket_url": ticket_url(settings, visit.ticket_id) if visit.ticket_id else None,
        "client_name": client.name if client else "",
        "operator_name": operator.name if operator else None,
        "visit_start": _iso(visit.scheduled_start),
        "visit_end": _iso(visit.scheduled_end),
        "address": visit.address or (client.address if client else None),
        "cancel_reason": extra.get("reason") or visit.cancel_reason,
        "previous_start": previous.isoformat() if isinstance(previous, datetime) else previous,
        "hours": 24 if event == "visit.reminder_24h" else 1,
    }
    recipients = _client_recipient(client) + _operator_recipient(operator)
    starts = f"s{int(visit.scheduled_start.timestamp())}"
    if event.startswith("visit.reminder"):
        recipients += _sms_recipient(client, settings)
        discriminator = starts  # a rescheduled visit is reminded again
    else:
        recipients = _not_actor(recipients, actor)
        discriminator = f"v{visit.version}:{starts}" if event == "visit.rescheduled" else starts
    template = "visit_reminder" if event.startswith("visit.reminder") else event.replace(".", "_")
    if not recipients:
        return None
    return Plan(
        "visit",
        visit.id,
        template,
        context,
        recipients,
        discriminator,
        ticket_id=visit.ticket_id,
        visit_id=visit.id,
    )


def _report_plan(db: Session, report: Report, settings: Settings) -> Plan | None:
    requester = db.get(Operator, report.requested_by_id) if report.requested_by_id else None
    base = settings.public_base_url.rstrip("/")
    context: dict[str, Any] = {
        "report_id": report.id,
        "report_type": report.report_type,
        "report_format": report.format.value,
        "row_count": report.row_count,
        "expires_at": _iso(report.expires_at),
        "report_url": f"{base}/api/v1/reports/jobs/{report.id}/download",
    }
    recipients = _operator_recipient(requester)
    if not recipients:
        return None
    return Plan("report", report.id, "report_ready", context, recipients, report_id=report.id)


def _csat_url(
    ticket: Ticket, address: str, assignee: Operator | None, settings: Settings
) -> str | None:
    """The survey link for the client's address; none once answered, and none when that
    address is the assignee's own (nobody rates their own work)."""
    from uanl.notifications.csat import is_assignee_address, survey_url

    if ticket.csat_submitted_at is not None or is_assignee_address(assignee, address):
        return None
    return survey_url(ticket.id, settings, recipient=address)
