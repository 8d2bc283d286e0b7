"""Turn every ORM insert, update and delete of an audited model into an audit_log row.

One `after_flush` hook on every Session: by then new rows have their ids and the
attribute history of the flush is still there. The rows are written with a Core INSERT
on the flush's own connection, so they commit or roll back with the change they describe.
Bulk statements (`update(...)`/`delete(...)` sweeps) bypass the ORM and are not audited
row by row; their services log what they do.
"""

from __future__ import annotations

import base64
import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from uanl.core.context import SYSTEM, Actor, actor_var, client_ip_var, current_request_id
from uanl.core.crypto import EncryptedText
from uanl.models import AuditLog, utcnow

# Internal bookkeeping: audited elsewhere (ticket_events) or pure noise.
SKIPPED_TABLES = {
    "audit_log",
    "idempotency_keys",
    "refresh_tokens",
    "ticket_events",
    "watson_activities",
}
# Fields whose change alone is not worth a row (delivery bookkeeping, timestamps).
SKIPPED_FIELDS: dict[str, set[str]] = {
    "*": {"updated_at"},
    "notifications": {"status", "attempts", "last_error", "next_attempt_at", "sent_at"},
    "operators": {"last_assigned_at", "last_login_at"},
}
MASK = "***"
_SECRET_MARKERS = ("password", "secret", "token", "api_key", "apikey", "hash")

# Set by a login on its session: the actor is known before any token exists.
SESSION_ACTOR_KEY = "audit_actor"

_installed = False


def is_secret(field: str) -> bool:
    name = field.lower()
    return any(marker in name for marker in _SECRET_MARKERS)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return str(value)


def _masked(state: InstanceState[Any], field: str) -> bool:
    """Secrets, and contact data encrypted at rest (the audit log must not leak it)."""
    if is_secret(field) or field.endswith("_bidx"):
        return True
    column = state.mapper.columns.get(field)
    return column is not None and isinstance(column.type, EncryptedText)


def _shown(state: InstanceState[Any], field: str, value: Any) -> Any:
    return MASK if value is not None and _masked(state, field) else jsonable(value)


def _skipped(table: str, field: str) -> bool:
    return field in SKIPPED_FIELDS["*"] or field in SKIPPED_FIELDS.get(table, set())


def _columns(state: InstanceState[Any]) -> list[str]:
    return [attr.key for attr in state.mapper.column_attrs]


def _entity_id(state: InstanceState[Any]) -> str | None:
    identity = state.identity or state.mapper.primary_key_from_instance(state.obj())
    if not identity or any(part is None for part in identity):
        return None
    return ":".join(str(part) for part in identity)


def _created(state: InstanceState[Any], table: str) -> dict[str, Any]:
    # Only values already in memory: loading server defaults here would query mid-flush.
    return {
        key: {"before": None, "after": _shown(state, key, state.dict[key])}
        for key in _columns(state)
        if key in state.dict and not _skipped(table, key) and state.dict[key] is not None
    }


def _updated(state: InstanceState[Any], table: str) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in _columns(state):
        if _skipped(table, key):
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[key] = {
            "before": _shown(state, key, before),
            "after": _shown(state, key, after),
        }
    return changes


def _deleted(state: InstanceState[Any], table: str) -> dict[str, Any]:
    committed = state.committed_state
    changes: dict[str, Any] = {}
    for key in _columns(state):
        if _skipped(table, key):
            continue
        value = committed.get(key, state.dict.get(key))
        if value is not None:
            changes[key] = {"before": _shown(state, key, value), "after": None}
    return changes


def _actor(session: Session) -> Actor:
    actor = session.info.get(SESSION_ACTOR_KEY)
    return actor if isinstance(actor, Actor) else actor_var.get()


def collect(session: Session) -> list[dict[str, Any]]:
    """The audit rows describing the flush in progress."""
    actor = _actor(session)
    common = {
        "actor_id": actor.id,
        "actor_label": actor.label,
        "actor_role": actor.role,
        "ip": client_ip_var.get() if actor is not SYSTEM else None,
        "request_id": current_request_id(),
        "created_at": utcnow(),
    }
    rows: list[dict[str, Any]] = []
    for action, objects, describe in (
        ("create", session.new, _created),
        ("update", session.dirty, _updated),
        ("delete", session.deleted, _deleted),
    ):
        for obj in objects:
            state = inspect(obj)
            table = getattr(state.mapper.local_table, "name", "")
            if not table or table in SKIPPED_TABLES:
                continue
            changes = describe(state, table)
            if action == "update" and not changes:
                continue
            entity_id = _entity_id(state)
            rows.append(
                {**common, "action": action, "entity": table, "entity_id": entity_id}
                | {"changes": changes}
            )
    return rows


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    rows = collect(session)
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def install() -> None:
    """Audit every Session in this process (API, workers, commands); idempotent."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    _installed = True


def set_session_actor(session: Session, operator_id: int, role: str) -> None:
    """Name the actor for writes in this session (a login has no token yet)."""
    session.info[SESSION_ACTOR_KEY] = Actor(operator_id, role, "operator")
