"""Dashboard events: what the live console hears, and how it moves the headline counters.

The domain's events reach here through the bus after their transaction commits
(`uanl.dashboards.subscribers`); nothing leaves the process if it rolls back. Publishing
failures are logged, never raised: the dashboards also refresh from the database within
seconds.
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from sqlalchemy import Engine

from uanl.core import config
from uanl.core import db as dbmod
from uanl.dashboards.broker import Event, MemoryBroker, RedisBroker, broker_for
from uanl.dashboards.cache import Cache, cache_for

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
