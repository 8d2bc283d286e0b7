"""The Celery task names of notification delivery, and queueing one delivery after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from uanl.core.tasks import enqueue_after_commit

DELIVER_TASK = "uanl.notifications.deliver"
DELIVER_BATCH_TASK = "uanl.notifications.deliver_batch"
# Without it, send_task subscribes to the Redis result channel of every task, which blocks
# for ~20 s per message when Redis is down (Celery retries that connection on its own).
TASK_OPTIONS: dict[str, Any] = {"ignore_result": True}


def enqueue_delivery(db: Session, notification_id: int) -> None:
    """Queue the delivery task of one row, sent when `db` commits (dropped on rollback)."""
    enqueue_after_commit(db, DELIVER_TASK, notification_id, _options=TASK_OPTIONS)
