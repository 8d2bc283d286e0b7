"""Ticket behaviour shared by the API, Watson and the workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.crud import apply_changes, ensure_exists, jsonable, load_reference
from uanl.core.errors import Conflict, Forbidden, ValidationFailed
from uanl.core.errors import InvalidTransition as InvalidTransitionError
from uanl.core.events import publish
from uanl.models import (
    OPEN_STATES,
    Client,
    Operator,
    Role,
    Ticket,
    TicketComment,
    TicketPriority,
    TicketSource,
    TicketState,
    TicketTag,
    utcnow,
)
from uanl.sla import service as sla
from uanl.sla.policies import load_config
from uanl.tickets import events, lifecycle
from uanl.tickets.history import record_event
from uanl.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate


def _check_assignee(db: Session, assignee_id: int | None) -> None:
    if assignee_id is None:
        return
    operator = db.get(Operator, assignee_id)
    if operator is None:
        raise ValidationFailed("assignee_id", f"operator {assignee_id} does not exist")
    if not operator.is_active:
        raise ValidationFailed("assignee_id", f"operator {assignee_id} is deactivated")


def create_ticket(
    db: Session, data: TicketCreate, actor: Operator | None, *, actor_type: str | None = None
) -> Ticket:
    # Held here: the session's identity map is weak, and the SLA tier and the client's
    # notification read this same row again later in the request.
    _client = load_reference(db, Client, data.client_id, "client_id")
    _check_assignee(db, data.assignee_id)
    if (
        actor is not None
        and actor.role == Role.operator
        and data.assignee_id not in (None, actor.id)
    ):
        raise Forbidden("Operators can assign new tickets only to themselves")
    values = data.model_dump(exclude={"tags"})
    now = utcnow()
    ticket = Ticket(
        **values,
        state=TicketState.new,
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    if ticket.assignee_id is not None:
        ticket.assigned_at = now
    ticket.tag_rows = [TicketTag(tag=t) for t in data.tags]
    # Deadlines before the INSERT: one statement writes the ticket with them (and one audit
    # row describes it), instead of an INSERT followed by an UPDATE.
    sla.apply_sla(db, ticket, now, reason="created")
    db.add(ticket)
    db.flush()
    record_event(
        db,
        ticket,
        "created",
        actor,
        {k: [None, jsonable(v)] for k, v in values.items() if v not in (None, "")}
        | ({"tags": [None, data.tags]} if data.tags else {}),
        actor_type=actor_type,
    )
    actor_id = actor.id if actor else None
    assigned_by_caller = ticket.assignee_id is not None
    publish(db, events.created(ticket, actor_id))  # unassigned: auto-assignment subscribes
    if assigned_by_caller:
        publish(db, events.assigned(ticket, actor_id, automatic=False))
    return ticket


def _authorize_update(ticket: Ticket, actor: Operator, values: dict[str, Any]) -> None:
    if actor.role in (Role.admin, Role.supervisor):
        return
    if ticket.assignee_id not in (None, actor.id):
        raise Forbidden("Operators can change only tickets assigned to them or unassigned")
    if "assignee_id" in values and values["assignee_id"] not in (None, actor.id):
        raise Forbidden("Operators can assign tickets only to themselves")


def update_ticket(
    db: Session, ticket: Ticket, data: TicketUpdate, actor: Operator
) -> dict[str, list[Any]]:
    values = data.model_dump(exclude_unset=True)
    expected_version = values.pop("version", None)
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            f"Ticket {ticket.id} changed since version {expected_version} "
            f"(now {ticket.version}); reload it and retry",
            current_version=ticket.version,
        )
    for required in ("title", "priority", "state"):
        if required in values and values[required] is None:
            raise ValidationFailed(required, "cannot be null")
    _authorize_update(ticket, actor, values)
    if "client_id" in values:
        ensure_exists(db, Client, values["client_id"], "client_id")
    if "assignee_id" in values:
        _check_assignee(db, values["assignee_id"])
    tags = values.pop("tags", None)
    new_state = values.pop("state", None)
    now = utcnow()
    changes = apply_changes(ticket, values)
    if "assignee_id" in changes:
        ticket.assigned_at = now if ticket.assignee_id else None
    if tags is not None and sorted(tags) != ticket.tags:
        changes["tags"] = [ticket.tags, sorted(tags)]
        ticket.tag_rows = [TicketTag(tag=t) for t in tags]
    if new_state is not None and new_state != ticket.state:
        changes["state"] = [ticket.state.value, new_state.value]
        apply_transition(db, ticket, new_state, now)
    if not changes:
        return changes
    ticket.updated_at = now
    record_event(db, ticket, "updated", actor, changes)
    if {"priority", "client_id"} & changes.keys():
        sla.apply_sla(db, ticket, now, reason="changed")
    db.flush()
    assigned_by_caller = "assignee_id" in changes and ticket.assignee_id is not None
    # Unassigned while open: auto-assignment subscribes to the update.
    publish(db, events.updated(ticket, changes, actor.id))
    if assigned_by_caller:
        publish(db, events.assigned(ticket, actor.id, automatic=False))
    return changes


def apply_transition(db: Session, ticket: Ticket, target: TicketState, now: datetime) -> None:
    window = timedelta(hours=config.get_settings().ticket_reopen_window_hours)
    try:
        t = lifecycle.check_transition(
            ticket.state.value,
            target.value,
            resolved_at=ticket.resolved_at,
            now=now,
            reopen_window=window,
        )
    except lifecycle.InvalidTransition as exc:
        raise InvalidTransitionError(
            f"A ticket cannot go from {ticket.state.value} to {target.value}; allowed: "
            f"{', '.join(exc.allowed) or 'none (final state)'}",
            allowed=list(exc.allowed),
        ) from exc
    if t.sets_resolved_at:
        ticket.resolved_at = now
    if t.clears_resolved_at:
        ticket.resolved_at = None
        ticket.resolution_business_s = None
    if t.is_reopen:
        ticket.reopened_at = now
        ticket.reopen_count += 1
    if t.sets_closed_at:
        ticket.closed_at = now
    if t.pauses_sla:
        sla.pause(db, ticket, now)
    if t.resumes_sla:
        sla.resume(db, ticket, now)
    if t.sets_resolved_at:  # after a resume, so the time just paused is left out
        ticket.resolution_business_s = sla.business_seconds_to(db, ticket, now)
    ticket.state = target
    # Resolving freezes met/breached and reopening thaws it now, not at the next sweep.
    ticket.sla_status = sla.status_for(ticket, now, load_config(db))


def add_comment(db: Session, ticket: Ticket, data: CommentCreate, actor: Operator) -> TicketComment:
    if actor.role == Role.operator and ticket.assignee_id not in (None, actor.id):
        raise Forbidden("Operators can comment only on tickets assigned to them or unassigned")
    now = utcnow()
    comment = TicketComment(
        ticket_id=ticket.id,
        author_id=actor.id,
        author_name=actor.name,
        body=data.body,
        is_internal=data.is_internal,
        created_at=now,
    )
    db.add(comment)
    changes: dict[str, Any] = {}
    if not data.is_internal and ticket.first_responded_at is None:
        ticket.first_responded_at = now
        ticket.first_response_business_s = sla.business_seconds_to(db, ticket, now)
        changes["first_responded_at"] = [None, now.isoformat()]
    ticket.updated_at = now
    db.flush()
    record_event(
        db,
        ticket,
        "internal_note" if data.is_internal else "reply",
        actor,
        changes,
        note=data.body[:500],
    )
    db.flush()
    if not data.is_internal:
        publish(
            db,
            events.TicketReplied(
                ticket.id, events.ticket_picture(ticket), comment_id=comment.id, actor_id=actor.id
            ),
        )
    return comment


def list_query(
    *,
    states: list[TicketState] | None = None,
    priorities: list[TicketPriority] | None = None,
    assignee_id: int | None = None,
    unassigned: bool | None = None,
    client_id: int | None = None,
    category: str | None = None,
    source: TicketSource | None = None,
    tag: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> Select[Ticket]:
    stmt = select(Ticket)
    if states:
        stmt = stmt.where(Ticket.state.in_(states))
    if priorities:
        stmt = stmt.where(Ticket.priority.in_(priorities))
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if unassigned is not None:
        stmt = stmt.where(
            Ticket.assignee_id.is_(None) if unassigned else Ticket.assignee_id.is_not(None)
        )
    if client_id is not None:
        stmt = stmt.where(Ticket.client_id == client_id)
    if category:
        stmt = stmt.where(Ticket.category == category.strip().lower())
    if source is not None:
        stmt = stmt.where(Ticket.source == source)
    if tag:
        stmt = stmt.where(
            Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == tag.strip().lower()))
        )
    if created_from is not None:
        stmt = stmt.where(Ticket.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Ticket.created_at < created_to)
    if overdue is not None:
        late = (Ticket.state.in_(OPEN_STATES)) & (Ticket.resolution_due_at < utcnow())
        stmt = stmt.where(late if overdue else ~late)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Ticket.title).like(like), func.lower(Ticket.description).like(like))
        )
    return stmt
