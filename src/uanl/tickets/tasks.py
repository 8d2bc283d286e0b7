"""Celery tasks for tickets: thin wrappers that open their own session and call services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from loguru import logger
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from uanl.api.idempotency import purge_older_than
from uanl.core.db import session_scope
from uanl.models import OPEN_STATES, Ticket, utcnow
from uanl.sla.service import refresh_statuses
from uanl.tickets.assignment import assignment_sweep, auto_assign
from uanl.tickets.escalation import escalation_sweep

# Sweeps: acknowledged when done (a dead worker's sweep runs again), two minutes at most.
_SWEEP: dict[str, Any] = {"acks_late": True, "time_limit": 120, "soft_time_limit": 100}


def _sweep(run: Callable[[Session], int], done: str | None = None) -> int:
    """Run one sweep in its own session; log `done` (with the count) when it did anything."""
    with session_scope() as db:
        n = run(db)
    if n and done:
        logger.info(done, n)
    return n


@shared_task(name="uanl.tickets.assignment_sweep", **_SWEEP)
def assignment_sweep_task() -> int:
    return _sweep(
        lambda db: assignment_sweep(db, utcnow()), "assignment sweep assigned {} queued tickets"
    )


@shared_task(
    name="uanl.tickets.assign",
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def assign_ticket_task(ticket_id: int) -> int | None:
    """Assign one ticket whose create found the assignment lock busy (idempotent)."""
    with session_scope() as db:
        ticket = db.get(Ticket, ticket_id)
        if ticket is None or ticket.assignee_id is not None or ticket.state not in OPEN_STATES:
            return None
        operator = auto_assign(db, ticket, utcnow())
        return operator.id if operator else None


@shared_task(name="uanl.tickets.escalation_sweep", **_SWEEP)
def escalation_sweep_task() -> int:
    return _sweep(
        lambda db: escalation_sweep(db, utcnow()), "escalation sweep escalated {} tickets"
    )


@shared_task(name="uanl.tickets.sla_status_sweep", **_SWEEP)
def sla_status_sweep_task() -> int:
    return _sweep(lambda db: refresh_statuses(db, utcnow()))


@shared_task(name="uanl.tickets.purge_idempotency_keys", **_SWEEP)
def purge_idempotency_keys_task() -> int:
    """Hourly (beat): forget Idempotency-Key answers older than 48 h (a retry comes sooner;
    the stored answers quote requester e-mails, kept no longer than a replay needs them)."""
    return _sweep(purge_older_than, "idempotency purge: {} stored answers forgotten")
