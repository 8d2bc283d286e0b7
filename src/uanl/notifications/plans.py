"""What a notification event says and to whom: one `Plan` per event, from its subjects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uanl.core.config import Settings
from uanl.models import Client, Operator, Report, ScheduledVisit, Ticket, TicketComment
from uanl.notifications.recipients import (
    People,
    Recipient,
    client_recipient,
    not_actor,
    operator_recipient,
    sms_recipient,
)


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


def ticket_plan(
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
    to_client = client_recipient(client, ticket.requester_email)
    template = event.replace(".", "_")
    discriminator: str | None = None
    recipients: list[Recipient]
    if event == "ticket.created":
        recipients = to_client
    elif event == "ticket.assigned":
        assignee = people.operator(ticket.assignee_id)
        recipients = not_actor(operator_recipient(assignee), actor)
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
        recipients = operator_recipient(assignee) + people.supervisors()
        discriminator = f"l{level}"
    else:  # ticket.comment_added
        if comment is None or comment.is_internal:
            return None
        context["comment_body"] = comment.body[:4000]
        context["comment_author"] = comment.author_name or comment.author_email or "—"
        if comment.author_id is None:  # the client wrote: tell the assignee
            assignee = people.operator(ticket.assignee_id)
            recipients = operator_recipient(assignee)
        else:  # staff replied publicly: tell the client
            recipients = to_client
        discriminator = f"c{comment.id}"
    if not recipients:
        return None
    return Plan(
        "ticket", ticket.id, template, context, recipients, discriminator, ticket_id=ticket.id
    )


def visit_plan(
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
    recipients = client_recipient(client) + operator_recipient(operator)
    starts = f"s{int(visit.scheduled_start.timestamp())}"
    if event.startswith("visit.reminder"):
        recipients += sms_recipient(client, settings)
        discriminator = starts  # a rescheduled visit is reminded again
    else:
        recipients = not_actor(recipients, actor)
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


def report_plan(db: Session, report: Report, settings: Settings) -> Plan | None:
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
    recipients = operator_recipient(requester)
    if not recipients:
        return None
    return Plan("report", report.id, "report_ready", context, recipients, report_id=report.id)
