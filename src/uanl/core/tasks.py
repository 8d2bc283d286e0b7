"""Send Celery tasks only after the transaction that asked for them commits.

A task queued during a request that later rolls back is dropped. If the broker is down at
commit time the send is logged and skipped: every task we queue is also covered by a sweep
that finds its work from the database (pending notifications, unassigned tickets...).
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "uanl_pending_tasks"


def enqueue_after_commit(db: Session, task_name: str, *args: Any, **kwargs: Any) -> None:
    options = kwargs.pop("_options", {})
    db.info.setdefault(_KEY, []).append((task_name, args, kwargs, options))


@event.listens_for(Session, "after_commit")
def send_pending(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    for name, args, kwargs, options in pending:
        send_now(name, *args, _options=options, **kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_KEY, None)


def send_now(
    task_name: str, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any
) -> bool:
    from uanl.worker import celery_app

    options = {"ignore_result": True, **(_options or {})}  # else send_task waits on results
    try:
        celery_app.send_task(
            task_name,
            args=args,
            kwargs=kwargs,
            retry=True,
            retry_policy={
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
            **options,
        )
        return True
    except Exception as exc:  # noqa: BLE001 - the broker being down must not fail the caller
        logger.warning(
            "could not queue {} ({}: {}): a sweep will pick the work up",
            task_name,
            type(exc).__name__,
            str(exc)[:300],
        )
        return False
