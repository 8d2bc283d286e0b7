from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from uanl.calls import events
from uanl.calls.schemas import CallCreate, CallUpdate
from uanl.core.crud import apply_changes, ensure_exists
from uanl.core.errors import ValidationFailed
from uanl.core.events import publish
from uanl.models import Call, CallDirection, CallOutcome, Client, Operator, Ticket, utcnow

# Clocks drift; a call logged a few minutes "in the future" is a clock, not an error.
FUTURE_TOLERANCE = timedelta(minutes=5)
REQUIRED_ON_PUT = ("direction", "started_at", "duration_s", "outcome")


def _check_refs(db: Session, values: dict[str, Any]) -> None:
    ensure_exists(db, Client, values.get("client_id"), "client_id")
    ensure_exists(db, Operator, values.get("operator_id"), "operator_id")
    ensure_exists(db, Ticket, values.get("ticket_id"), "ticket_id")
    started = values.get("started_at")
    if started is not None and started > utcnow() + FUTURE_TOLERANCE:
        raise ValidationFailed("started_at", "a call cannot start in the future")


def create_call(db: Session, data: CallCreate) -> Call:
    values = data.model_dump()
    _check_refs(db, values)
    call = Call(**values)
    db.add(call)
    db.flush()
    publish(db, events.logged(call))
    return call


def update_call(
    db: Session, call: Call, data: CallUpdate, *, full: bool = False
) -> dict[str, list[Any]]:
    values = data.model_dump(exclude_unset=not full)
    if full:
        values = {k: v for k, v in values.items() if v is not None or k not in REQUIRED_ON_PUT}
    _check_refs(db, values)
    changes = apply_changes(call, values)
    db.flush()
    return changes


def list_query(
    *,
    client_id: int | None,
    operator_id: int | None,
    ticket_id: int | None,
    direction: CallDirection | None,
    outcome: CallOutcome | None,
    started_from: datetime | None,
    started_to: datetime | None,
) -> Select[Call]:
    stmt = select(Call)
    for column, value in (
        (Call.client_id, client_id),
        (Call.operator_id, operator_id),
        (Call.ticket_id, ticket_id),
        (Call.direction, direction),
        (Call.outcome, outcome),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if started_from is not None:
        stmt = stmt.where(Call.started_at >= started_from)
    if started_to is not None:
        stmt = stmt.where(Call.started_at < started_to)
    return stmt
