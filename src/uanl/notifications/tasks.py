"""Celery tasks for notifications: thin, take ids, open their own session, call `delivery`
or `sweep`.

Retries are not Celery's: a transient failure puts the row back to `pending` with its own
`next_attempt_at`, and the task re-queues itself with that countdown. If that message is
lost (broker restart, worker killed), the sweep finds the row from the database.
"""

from __future__ import annotations

from celery import shared_task
from loguru import logger

from uanl.core.db import session_scope
from uanl.core.tasks import send_now
from uanl.models import utcnow
from uanl.notifications.delivery import deliver
from uanl.notifications.enqueue import DELIVER_BATCH_TASK, DELIVER_TASK, TASK_OPTIONS
from uanl.notifications.sweep import sweep


@shared_task(
    name=DELIVER_TASK,
    acks_late=True,
    ignore_result=True,
    time_limit=100,
    soft_time_limit=90,
)
def deliver_task(notification_id: int) -> str:
    with session_scope() as db:
        outcome = deliver(db, notification_id)
    if outcome.status == "retry" and outcome.retry_in is not None:
        send_now(
            DELIVER_TASK,
            notification_id,
            _options={**TASK_OPTIONS, "countdown": outcome.retry_in},
        )
    return outcome.status


@shared_task(
    name=DELIVER_BATCH_TASK,
    acks_late=True,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def deliver_batch_task(notification_ids: list[int]) -> int:
    """One delivery task per row of a batch (`creation.create_notifications`).

    The producer (an escalation sweep) sends one message for hundreds of rows; the fan-out
    happens here, so each row still gets its own task, time limit and retries. A redelivered
    batch only queues tasks whose claim then finds the row taken."""
    queued = 0
    for notification_id in notification_ids:
        queued += send_now(DELIVER_TASK, notification_id, _options=TASK_OPTIONS)
    return queued


@shared_task(name="uanl.notifications.sweep", acks_late=True, time_limit=120, soft_time_limit=100)
def notification_sweep_task(grace_s: float = 15.0) -> int:
    with session_scope() as db:
        ids = sweep(db, utcnow(), grace_s=grace_s)
    if ids:
        logger.info("notification sweep queued {} notifications", len(ids))
    return len(ids)
