"""Dashboard events: buffered during the transaction, published once it commits.

Services call `publish_after_commit(db, "ticket.created", {...})`; nothing leaves the process
if the transaction rolls back. Publishing failures are logged, never raised: the dashboards
also refresh from the database within seconds.
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core import db as dbmod
from uanl.dashboards.broker import Event, MemoryBroker, RedisBroker, broker_for
from uanl.dashboards.cache import Cache, cache_for

_KEY = "uanl_pending_dashboard_events"

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_STATE_CHANGED = "ticket.state_changed"
TICKET_ESCALATED = "ticket.escalated"
CALL_LOGGED = "call.logged"
VISIT_CREATED = "visit.created"
VISIT_UPDATED = "visit.updated"
METRICS_DELTA = "metrics.delta"

_CLOSED = {"resolved", "closed", "cancelled"}


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def publish_after_commit(db: Session, kind: str, data: dict[str, Any]) -> None:
    """Queue one event; it is published after `db` commits and dropped on rollback."""
    clean = {k: _value(v) for k, v in data.items()}
    db.info.setdefault(_KEY, []).append((kind, clean))


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def current_broker(engine: Engine | None = None) -> MemoryBroker | RedisBroker:
    return broker_for(config.get_settings().redis_url, engine or dbmod.get_engine())


def current_cache(engine: Engine | None = None) -> Cache:
    return cache_for(config.get_settings().redis_url, engine or dbmod.get_engine())


def metric_deltas(kind: str, data: dict[str, Any]) -> dict[str, int]:
    """How an event moves the headline counters (the console adds them to what it shows)."""
    if kind == TICKET_CREATED:
        return {"open_tickets": 1, "new_tickets": 1}
    if kind == TICKET_STATE_CHANGED:
        before, after = str(data.get("from") or ""), str(data.get("to") or "")
        deltas: dict[str, int] = {}
        if before not in _CLOSED and after in _CLOSED:
            deltas["open_tickets"] = -1
        elif before in _CLOSED and after not in _CLOSED:
            deltas["open_tickets"] = 1
        if after == "resolved":
            deltas["resolved_tickets"] = 1
        return deltas
    if kind == CALL_LOGGED:
        return {"calls": 1}
    if kind == VISIT_CREATED:
        return {"visits": 1}
    return {}


def publish_now(kind: str, data: dict[str, Any], engine: Engine | None = None) -> Event | None:
    """Publish at once (also used by the after-commit hook); returns None on failure."""
    try:
        current_cache(engine).invalidate()
        broker = current_broker(engine)
        published = broker.publish(kind, data)
        deltas = metric_deltas(kind, data)
        if deltas:
            broker.publish(METRICS_DELTA, {"cause": published.id, "deltas": deltas})
        return published
    except Exception as exc:  # noqa: BLE001 - dashboards must never break the write path
        logger.warning("could not publish dashboard event {}: {}", kind, exc)
        return None


@event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    if not pending:
        return
    try:
        engine = _engine_of(session)
    except Exception as exc:  # noqa: BLE001
        logger.warning("dashboard events dropped: no engine ({})", exc)
        return
    for kind, data in pending:
        publish_now(kind, data, engine)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_KEY, None)


# --- payloads: small, JSON-ready pictures of the changed rows ------------------------------


def ticket_data(ticket: Any, changes: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    data = {
        "id": ticket.id,
        "title": ticket.title,
        "state": _value(ticket.state),
        "priority": _value(ticket.priority),
        "sla_status": _value(ticket.sla_status),
        "assignee_id": ticket.assignee_id,
        "client_id": ticket.client_id,
        "category": ticket.category,
        "escalation_level": ticket.escalation_level,
    }
    if changes:
        data["changes"] = {k: [_value(a), _value(b)] for k, (a, b) in changes.items()}
        if "state" in changes:
            data["from"], data["to"] = (_value(v) for v in changes["state"])
    return data


def update_kind(changes: dict[str, list[Any]]) -> str:
    return TICKET_STATE_CHANGED if "state" in changes else TICKET_UPDATED


def call_data(call: Any) -> dict[str, Any]:
    return {
        "id": call.id,
        "operator_id": call.operator_id,
        "client_id": call.client_id,
        "direction": _value(call.direction),
        "outcome": _value(call.outcome),
        "duration_s": call.duration_s,
        "started_at": call.started_at.isoformat() if call.started_at else None,
    }


def visit_data(visit: Any) -> dict[str, Any]:
    return {
        "id": visit.id,
        "state": _value(visit.state),
        "operator_id": visit.operator_id,
        "client_id": visit.client_id,
        "ticket_id": visit.ticket_id,
        "scheduled_start": visit.scheduled_start.isoformat() if visit.scheduled_start else None,
    }
