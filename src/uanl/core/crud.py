"""Small helpers the domain services share."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uanl.core.crypto import blind_index
from uanl.core.errors import Conflict, NotFound, ValidationFailed

M = TypeVar("M")


def get_or_404(db: Session, model: type[M], obj_id: int, what: str | None = None) -> M:
    obj = db.get(model, obj_id)
    if obj is None:
        raise NotFound(f"{what or model.__name__} {obj_id} does not exist")
    return obj


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def apply_changes(obj: Any, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes; return {field: [before, after]} for the ones that really changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in data.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [jsonable(old), jsonable(new)]
            setattr(obj, field, new)
    return changes


def flush_or_conflict(db: Session, message: str) -> None:
    """Flush; a unique-constraint race becomes a 409 (the request transaction rolls back)."""
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc


def ensure_unused(
    db: Session,
    index: Any,
    purpose: str,
    value: str,
    exclude_id: int | None,
    conflict: Conflict,
) -> None:
    """Raise `conflict` when another row already holds `value` in a unique encrypted column,
    found through its blind index (`index`, e.g. Client.rfc_bidx, keyed for `purpose`)."""
    model = index.class_
    stmt = select(model.id).where(index == blind_index(purpose, value))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if db.scalar(stmt) is not None:
        raise conflict


def ensure_exists(db: Session, model: type[Any], obj_id: int | None, field: str) -> None:
    """A reference in a body that points nowhere is the caller's input error: 422."""
    load_reference(db, model, obj_id, field)


def load_reference(db: Session, model: type[M], obj_id: int | None, field: str) -> M | None:
    """The row a body's reference names (None for no reference); a dangling one is a 422."""
    if obj_id is None:
        return None
    row = db.get(model, obj_id)
    if row is None:
        raise ValidationFailed(field, f"{model.__name__.lower()} {obj_id} does not exist")
    return row
