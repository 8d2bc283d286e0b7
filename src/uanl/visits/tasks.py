"""Celery tasks for visits: thin wrappers that open their own session and call services."""

from __future__ import annotations

from celery import shared_task
from loguru import logger

from uanl.core.db import session_scope
from uanl.models import utcnow
from uanl.visits.service import send_due_reminders


@shared_task(name="uanl.visits.reminders", acks_late=True, time_limit=120, soft_time_limit=100)
def visit_reminders_task() -> int:
    """Every minute (beat): mark and announce the 24 h and 1 h reminders that are due."""
    with session_scope() as db:
        sent = send_due_reminders(db, utcnow())
    if sent:
        logger.info("visit reminders: {} sent", sent)
    return sent
