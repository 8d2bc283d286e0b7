"""Celery tasks for tickets: thin wrappers that open their own session and call services."""

from __future__ import annotations

from celery import shared_task
from loguru import logger
from sqlalchemy.exc import OperationalError

from uanl.api.idempotency import purge_older_than
from uanl.core.db import session_scope
from uanl.models import OPEN_STATES, Ticket, utcnow
from uanl.sla.service import refresh_statuses
from uanl.tickets.assignment import assignment_sweep, auto_assign
from uanl.tickets.escalation import escalation_sweep


@shared_task(
    name="uanl.tickets.assignment_sweep", acks_late=True, time_limit=120, soft_time_limit=100
)
def assignment_sweep_task() -> int:
    with session_scope() as db:
        n = assignment_sweep(db, utcnow())
    if n:
        logger.info("assignment sweep assigned {} queued tickets", n)
    return n


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


@shared_task(
    name="uanl.tickets.escalation_sweep", acks_late=True, time_limit=120, soft_time_limit=100
)
def escalation_sweep_task() -> int:
    with session_scope() as db:
        n = escalation_sweep(db, utcnow())
    if n:
        logger.info("escalation sweep escalated {} tickets", n)
    return n


@shared_task(
    name="uanl.tickets.sla_status_sweep", acks_late=True, time_limit=120, soft_time_limit=100
)
def sla_status_sweep_task() -> int:
    with session_scope() as db:
        return refresh_statuses(db, utcnow())


@shared_task(
    name="uanl.tickets.purge_idempotency_keys", acks_late=True, time_limit=120, soft_time_limit=100
)
def purge_idempotency_keys_task() -> int:
    """Hourly (beat): forget Idempotency-Key answers older than 48 h (a retry comes sooner;
    the stored answers quote requester e-mails, kept no longer than a replay needs them)."""
    with session_scope() as db:
        n = purge_older_than(db)
    if n:
        logger.info("idempotency purge: {} stored answers forgotten", n)
    return n
