"""Visit behaviour shared by the API and the workers: book, change, move, remind."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loguru import logger
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from uanl.core import config
from uanl.core.crud import apply_changes, load_reference
from uanl.core.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from uanl.core.events import publish
from uanl.models import Client, Operator, Role, ScheduledVisit, Ticket, VisitState, utcnow
from uanl.visits import events, scheduling
from uanl.visits.schemas import (
    CalendarDay,
    CalendarEvent,
    CalendarRead,
    VisitCreate,
    VisitReschedule,
    VisitUpdate,
)

S = VisitState
TRANSITIONS: dict[VisitState, tuple[VisitState, ...]] = {
    S.scheduled: (S.confirmed, S.in_progress, S.cancelled, S.no_show),
    S.confirmed: (S.in_progress, S.cancelled, S.no_show),
    S.in_progress: (S.done,),
    S.done: (),
    S.cancelled: (),
    S.no_show: (),
}
RESCHEDULABLE = (S.scheduled, S.confirmed)
MAX_CALENDAR_RANGE = timedelta(days=93)
REMINDABLE = (S.scheduled, S.confirmed)


# -- reads ----------------------------------------------------------------------------------


def list_query(
    *,
    client_id: int | None = None,
    operator_id: int | None = None,
    ticket_id: int | None = None,
    states: list[VisitState] | None = None,
    range_from: datetime | None = None,
    range_to: datetime | None = None,
) -> Select[ScheduledVisit]:
    """Visits matching the filters; `range_from`/`range_to` keep visits overlapping them."""
    stmt = select(ScheduledVisit)
    if client_id is not None:
        stmt = stmt.where(ScheduledVisit.client_id == client_id)
    if operator_id is not None:
        stmt = stmt.where(ScheduledVisit.operator_id == operator_id)
    if ticket_id is not None:
        stmt = stmt.where(ScheduledVisit.ticket_id == ticket_id)
    if states:
        stmt = stmt.where(ScheduledVisit.state.in_(states))
    if range_from is not None:
        stmt = stmt.where(ScheduledVisit.scheduled_end > range_from)
    if range_to is not None:
        stmt = stmt.where(ScheduledVisit.scheduled_start < range_to)
    return stmt


def calendar(
    db: Session,
    range_start: datetime,
    range_end: datetime,
    *,
    operator_id: int | None = None,
    states: list[VisitState] | None = None,
) -> CalendarRead:
    """Visits overlapping the range, grouped by local day in the desk's time zone."""
    if range_end <= range_start:
        raise ValidationFailed("to", "must be after from")
    if range_end - range_start > MAX_CALENDAR_RANGE:
        raise ValidationFailed("to", f"the range spans at most {MAX_CALENDAR_RANGE.days} days")
    stmt = (
        list_query(operator_id=operator_id, states=states, range_from=range_start)
        .where(ScheduledVisit.scheduled_start < range_end)
        .join(Client, Client.id == ScheduledVisit.client_id)
        .outerjoin(Operator, Operator.id == ScheduledVisit.operator_id)
        .add_columns(Client.name, Operator.name)
        .order_by(ScheduledVisit.scheduled_start, ScheduledVisit.id)
    )
    tz_name = config.get_settings().timezone
    zone = ZoneInfo(tz_name)
    days: dict[date, list[CalendarEvent]] = defaultdict(list)
    total = 0
    for visit, client_name, operator_name in db.execute(stmt).all():
        total += 1
        days[visit.scheduled_start.astimezone(zone).date()].append(
            CalendarEvent(
                id=visit.id,
                title=visit_title(client_name, visit.ticket_id),
                start=visit.scheduled_start,
                end=visit.scheduled_end,
                state=visit.state,
                operator_id=visit.operator_id,
                operator_name=operator_name,
                client_id=visit.client_id,
                client_name=client_name,
                ticket_id=visit.ticket_id,
                address=visit.address,
                forced=visit.forced,
            )
        )
    return CalendarRead(
        range_start=range_start,
        range_end=range_end,
        timezone=tz_name,
        total=total,
        days=[CalendarDay(date=d, events=evs) for d, evs in sorted(days.items())],
    )


def visit_title(client_name: str, ticket_id: int | None) -> str:
    return f"{client_name} (ticket #{ticket_id})" if ticket_id else client_name


# -- booking --------------------------------------------------------------------------------


def create_visit(
    db: Session, data: VisitCreate, actor: Operator | None, now: datetime | None = None
) -> ScheduledVisit:
    """Book a visit: explicit technician (overlap-checked) or a free one with the skill."""
    now = now or utcnow()
    start, end = data.scheduled_start, data.scheduled_end
    ticket = _ticket(db, data.ticket_id)
    client = _client(db, data.client_id, ticket)
    if data.operator_id is not None:
        _check_operator(db, data.operator_id)
    forced = scheduling.check_times(db, start, end, now, data.force)
    address = data.address or client.address
    if not address:
        raise ValidationFailed("address", f"required: client {client.id} has no address on file")
    if data.operator_id is not None:
        scheduling.ensure_free(db, data.operator_id, start, end)
        operator_id = data.operator_id
    else:
        skill = data.skill or (ticket.category if ticket is not None else None)
        operator_id = scheduling.pick_operator(db, skill, start, end).id
    visit = ScheduledVisit(
        client_id=client.id,
        operator_id=operator_id,
        ticket_id=ticket.id if ticket is not None else None,
        scheduled_start=start,
        scheduled_end=end,
        address=address,
        notes=data.notes,
        state=VisitState.scheduled,
        forced=forced,
        reschedule_count=0,
        created_by_id=actor.id if actor else None,
    )
    db.add(visit)
    db.flush()
    _audit(visit, actor, "scheduled", {"operator_id": operator_id, "forced": forced})
    publish(db, events.scheduled(visit, actor.id if actor else None))
    return visit


def update_visit(
    db: Session, visit: ScheduledVisit, data: VisitUpdate, actor: Operator
) -> dict[str, list[Any]]:
    """Notes, address or technician; a new technician must be free for the slot."""
    values = data.model_dump(exclude_unset=True)
    _check_version(visit, values.pop("version", None))
    authorize_change(visit, actor)
    for required in ("address", "operator_id"):
        if required in values and values[required] is None:
            raise ValidationFailed(required, "cannot be null")
    new_operator = values.get("operator_id")
    if new_operator is not None and new_operator != visit.operator_id:
        if visit.state not in RESCHEDULABLE:
            raise Conflict(f"A visit in state {visit.state.value} cannot change technician")
        if actor.role == Role.operator and new_operator != actor.id:
            raise Forbidden("Operators can hand visits only to themselves")
        _check_operator(db, new_operator)
        scheduling.ensure_free(
            db, new_operator, visit.scheduled_start, visit.scheduled_end, exclude_id=visit.id
        )
    changes = apply_changes(visit, values)
    if not changes:
        return changes
    _flush(db, visit)
    _audit(visit, actor, "updated", changes)
    if "operator_id" in changes:
        publish(db, events.VisitRescheduled(visit.id, actor.id, changes))
    return changes


def reschedule_visit(
    db: Session,
    visit: ScheduledVisit,
    data: VisitReschedule,
    actor: Operator,
    now: datetime | None = None,
) -> ScheduledVisit:
    """Move the visit; it needs confirming again and its reminders are sent anew."""
    now = now or utcnow()
    _check_version(visit, data.version)
    authorize_change(visit, actor)
    if visit.state not in RESCHEDULABLE:
        raise InvalidTransition(
            f"A visit in state {visit.state.value} cannot be rescheduled; only scheduled or "
            "confirmed visits can",
            allowed=[s.value for s in TRANSITIONS[visit.state]],
        )
    start, end = data.scheduled_start, data.scheduled_end
    forced = scheduling.check_times(db, start, end, now, data.force)
    if visit.operator_id is not None:
        scheduling.ensure_free(db, visit.operator_id, start, end, exclude_id=visit.id)
    previous = {
        "scheduled_start": [scheduling.iso(visit.scheduled_start), scheduling.iso(start)],
        "scheduled_end": [scheduling.iso(visit.scheduled_end), scheduling.iso(end)],
    }
    visit.scheduled_start, visit.scheduled_end = start, end
    visit.state = VisitState.scheduled
    visit.forced = forced
    visit.reschedule_count += 1
    visit.reminder_24h_sent_at = None
    visit.reminder_1h_sent_at = None
    _flush(db, visit)
    _audit(visit, actor, "rescheduled", previous)
    publish(db, events.VisitRescheduled(visit.id, actor.id, previous))
    return visit


def change_state(
    db: Session,
    visit: ScheduledVisit,
    target: VisitState,
    actor: Operator,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> ScheduledVisit:
    now = now or utcnow()
    authorize_change(visit, actor)
    allowed = TRANSITIONS[visit.state]
    if target not in allowed:
        names = [s.value for s in allowed]
        raise InvalidTransition(
            f"A visit cannot go from {visit.state.value} to {target.value}; allowed: "
            f"{', '.join(names) or 'none (final state)'}",
            allowed=names,
        )
    previous = visit.state
    visit.state = target
    if target == VisitState.in_progress:
        visit.started_at = now
    elif target == VisitState.done:
        visit.finished_at = now
    elif target == VisitState.cancelled:
        visit.cancel_reason = reason
    _flush(db, visit)
    _audit(visit, actor, "state", {"state": [previous.value, target.value]})
    cancelled = target == VisitState.cancelled
    publish(db, events.state_changed(visit, actor.id, reason, cancelled=cancelled))
    return visit


def authorize_change(visit: ScheduledVisit, actor: Operator) -> None:
    if actor.role == Role.operator and visit.operator_id != actor.id:
        raise Forbidden("Operators can change only visits assigned to them")


# -- reminders ------------------------------------------------------------------------------


def send_due_reminders(db: Session, now: datetime | None = None) -> int:
    """Mark and announce due reminders; a second run at the same moment sends nothing.

    24 h reminders go to visits starting in (1 h, 24 h]; 1 h reminders to those in (now, 1 h].
    A visit booked less than an hour ahead only gets the 1 h one: the 24 h window has passed.
    The UPDATE ... RETURNING marks and selects in one statement; two sweeps running at once
    cannot both claim a visit (the second sees the mark after the row lock is released).
    """
    now = now or utcnow()
    hour, day = now + timedelta(hours=1), now + timedelta(hours=24)
    due = {
        "visit.reminder_24h": (
            ScheduledVisit.reminder_24h_sent_at,
            [ScheduledVisit.scheduled_start > hour, ScheduledVisit.scheduled_start <= day],
            "reminder_24h_sent_at",
        ),
        "visit.reminder_1h": (
            ScheduledVisit.reminder_1h_sent_at,
            [ScheduledVisit.scheduled_start > now, ScheduledVisit.scheduled_start <= hour],
            "reminder_1h_sent_at",
        ),
    }
    sent = 0
    for event, (column, window, name) in due.items():
        stmt = (
            update(ScheduledVisit)
            .where(ScheduledVisit.state.in_(REMINDABLE), column.is_(None), *window)
            .values({name: now})
            .returning(ScheduledVisit.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(db.scalars(stmt))
        if not ids:
            continue
        visits = db.scalars(
            select(ScheduledVisit)
            .where(ScheduledVisit.id.in_(ids))
            .order_by(ScheduledVisit.scheduled_start, ScheduledVisit.id)
            .execution_options(populate_existing=True)
        )
        for visit in visits:
            publish(db, events.VisitReminderDue(visit.id, event.rsplit("_", 1)[1]))
            sent += 1
    return sent


# -- helpers --------------------------------------------------------------------------------


def _ticket(db: Session, ticket_id: int | None) -> Ticket | None:
    return load_reference(db, Ticket, ticket_id, "ticket_id")


def _client(db: Session, client_id: int | None, ticket: Ticket | None) -> Client:
    if client_id is None and ticket is not None:
        client_id = ticket.client_id
    if client_id is None:
        raise ValidationFailed("client_id", "required (the ticket, if any, has no client)")
    if ticket is not None and ticket.client_id not in (None, client_id):
        raise ValidationFailed(
            "client_id", f"ticket {ticket.id} belongs to client {ticket.client_id}"
        )
    client = db.get(Client, client_id)
    if client is None:
        raise ValidationFailed("client_id", f"client {client_id} does not exist")
    return client


def _check_operator(db: Session, operator_id: int) -> None:
    operator = db.get(Operator, operator_id)
    if operator is None:
        raise ValidationFailed("operator_id", f"operator {operator_id} does not exist")
    if not operator.is_active:
        raise ValidationFailed("operator_id", f"operator {operator_id} is deactivated")


def _check_version(visit: ScheduledVisit, expected: int | None) -> None:
    if expected is not None and expected != visit.version:
        raise Conflict(
            f"Visit {visit.id} changed since version {expected} (now {visit.version}); "
            "reload it and retry",
            current_version=visit.version,
        )


def _flush(db: Session, visit: ScheduledVisit) -> None:
    try:
        db.flush()
    except StaleDataError as exc:
        raise Conflict(f"Visit {visit.id} was changed meanwhile; reload it and retry") from exc


def _audit(visit: ScheduledVisit, actor: Operator | None, what: str, data: Any) -> None:
    logger.bind(audit=True, visit_id=visit.id, actor_id=actor.id if actor else None).info(
        "visit {} {}: {}", visit.id, what, data
    )
