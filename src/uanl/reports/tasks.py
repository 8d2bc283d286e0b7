"""Celery tasks for reports: thin, take ids, open their own session, call the service."""

from __future__ import annotations

from celery import shared_task
from loguru import logger

from uanl.core.config import get_settings
from uanl.core.db import session_scope
from uanl.models import utcnow
from uanl.reports import jobs, rollups
from uanl.reports.schedules import run_due


@shared_task(
    name=jobs.RUN_TASK, acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def run_job_task(report_id: int) -> str:
    return jobs.run_job(report_id)


@shared_task(name="uanl.reports.run_schedules", acks_late=True, time_limit=120, soft_time_limit=100)
def run_schedules_task() -> int:
    """Every minute (beat): due schedules become report jobs."""
    with session_scope() as db:
        created = run_due(db, utcnow())
    if created:
        logger.info("scheduled reports: {} jobs queued", len(created))
    return len(created)


@shared_task(name="uanl.reports.cleanup", acks_late=True, time_limit=600, soft_time_limit=540)
def cleanup_task() -> int:
    """Hourly (beat): delete expired report files, mark rows expired, unstick lost jobs."""
    with session_scope() as db:
        n = jobs.cleanup(db, utcnow())
    if n:
        logger.info("report cleanup: {} files expired", n)
    return n


@shared_task(
    name="uanl.reports.refresh_rollups", acks_late=True, time_limit=1800, soft_time_limit=1700
)
def refresh_rollups_task() -> dict[str, int]:
    """Every minute (beat): recompute the report roll-ups of the days writes touched, so a
    report request finds little or nothing left to do (the first run builds them all)."""
    done = rollups.refresh(get_settings().tz)
    if any(done.values()):
        logger.info("report roll-ups: days recomputed {}", done)
    return done
