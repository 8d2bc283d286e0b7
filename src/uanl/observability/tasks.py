"""Celery signal handlers: task metrics, and the request id carried from API to task logs.

The API's request id (RequestContextMiddleware) travels as a message header; the worker
binds it for the task's duration, so every log line the task writes carries the id of the
request that caused it (and tasks the task queues carry it on).
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun, worker_process_init
from loguru import logger

from uanl.core.config import get_settings
from uanl.core.logging import request_id_var
from uanl.notifications.enqueue import DELIVER_TASK
from uanl.observability import metrics

HEADER = "request_id"

_running: dict[str, tuple[float, Any]] = {}


@before_task_publish.connect
def _add_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(HEADER, request_id)


@worker_process_init.connect
def _metrics_in_worker(**_: Any) -> None:
    metrics.configure(get_settings())


def _incoming_request_id(task: Any) -> str | None:
    request = getattr(task, "request", None)
    value = getattr(request, HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return str(value) if value else None


@task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is None:
        return
    token = request_id_var.set(_incoming_request_id(task) or f"task-{task_id}")
    _running[task_id] = (time.perf_counter(), token)


@task_postrun.connect
def _task_finished(
    task_id: str | None = None,
    task: Any = None,
    retval: Any = None,
    state: str | None = None,
    **_: Any,
) -> None:
    started = _running.pop(task_id or "", None)
    if started is None:
        return
    start, token = started
    seconds = time.perf_counter() - start
    name = getattr(task, "name", "unknown")
    instruments = metrics.instruments() or metrics.configure(get_settings())
    instruments.tasks.labels(name, state or "UNKNOWN").inc()
    instruments.task_seconds.labels(name).observe(seconds)
    if name == DELIVER_TASK and isinstance(retval, str):
        instruments.notifications.labels(retval).inc()
    logger.bind(task=name, task_id=task_id, state=state, duration_ms=round(seconds * 1000, 2)).info(
        "task {} -> {} in {:.1f} ms", name, state, seconds * 1000
    )
    request_id_var.reset(token)
