"""The daily backup: one backup, then retention (BACKUP_KEEP, BACKUP_MAX_AGE_DAYS)."""

from __future__ import annotations

from celery import shared_task

from uanl.backup.service import backup_and_prune
from uanl.core.config import get_settings

BACKUP_TASK = "uanl.backup.run"


@shared_task(name=BACKUP_TASK, acks_late=True, ignore_result=True, time_limit=3600)
def backup_task() -> str:
    return str(backup_and_prune(get_settings()).path)
