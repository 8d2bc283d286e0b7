"""Send Celery tasks only after the transaction that asked for them commits.

`enqueue_after_commit` publishes a `TaskRequested` event on the bus (`uanl.core.events`),
whose after-commit subscriber sends it: a task queued during a request that later rolls back
(or inside a savepoint that rolls back) is dropped. If the broker is down at commit time the
send is logged and skipped: every task we queue is also covered by a sweep that finds its
work from the database (pending notifications, unassigned tickets...).

The Celery app is handed in by the process's wiring (`use_celery`), so `core` never imports
the worker module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from loguru import logger
from sqlalchemy.orm import Session

from uanl.core.events import AFTER_COMMIT, DomainEvent, pending, publish, subscribe


class TaskSender(Protocol):
    def send_task(self, name: str, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class TaskRequested(DomainEvent):
    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict, compare=False)
    options: dict[str, Any] = field(default_factory=dict, compare=False)


_sender: list[TaskSender] = []


def use_celery(app: TaskSender) -> None:
    """The Celery app this process sends tasks with (set by `uanl.wiring`)."""
    _sender[:] = [app]


def enqueue_after_commit(db: Session, task_name: str, *args: Any, **kwargs: Any) -> None:
    options = kwargs.pop("_options", {})
    publish(db, TaskRequested(task_name, args, kwargs, options))


def pending_tasks(db: Session) -> list[tuple[str, tuple[Any, ...], dict[str, Any], dict[str, Any]]]:
    """The tasks `db` will send after its commit: (name, args, kwargs, options)."""
    return [
        (e.name, e.args, e.kwargs, e.options) for e in pending(db) if isinstance(e, TaskRequested)
    ]


def _send_requested(event: TaskRequested) -> None:
    send_now(event.name, *event.args, _options=event.options, **event.kwargs)


subscribe(TaskRequested, _send_requested, AFTER_COMMIT)


def send_now(
    task_name: str, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any
) -> bool:
    options = {"ignore_result": True, **(_options or {})}  # else send_task waits on results
    try:
        if not _sender:
            raise RuntimeError("no Celery app wired in this process (uanl.wiring.wire)")
        _sender[0].send_task(
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
