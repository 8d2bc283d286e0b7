"""The metric instruments, shared by every API process and Celery worker of one deployment.

prometheus_client's multiprocess mode: each process writes its counters and histograms to
small memory-mapped files in METRICS_DIR (default `<data dir>/metrics`), and a scrape of
any API process sums all of them. That is what makes `uanl serve --workers N` and the
Celery worker processes (task counts and durations) show up in one `/metrics` answer.
API and workers therefore need the same folder: one machine, or a shared volume in Compose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

from uanl.core.config import Settings

TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600)


@dataclass
class Instruments:
    requests: Histogram
    tasks: Counter
    task_seconds: Histogram
    notifications: Counter


def _build() -> Instruments:
    # registry=None: the scrape reads the files, not an in-process registry.
    return Instruments(
        requests=Histogram(
            "uanl_http_request_duration_seconds",
            "HTTP request latency by route template, method and status class",
            ["method", "route", "status"],
            registry=None,
        ),
        tasks=Counter(
            "uanl_celery_tasks",
            "Celery tasks finished, by task name and final state",
            ["task", "state"],
            registry=None,
        ),
        task_seconds=Histogram(
            "uanl_celery_task_duration_seconds",
            "Celery task run time by task name",
            ["task"],
            buckets=TASK_BUCKETS,
            registry=None,
        ),
        notifications=Counter(
            "uanl_notification_deliveries",
            "Notification delivery attempts by outcome (sent, retry, failed, skipped)",
            ["outcome"],
            registry=None,
        ),
    )


_state: dict[str, object] = {}


def metrics_dir(settings: Settings) -> Path:
    path = (settings.metrics_dir or settings.data_dir / "metrics").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def configure(settings: Settings) -> Instruments:
    """Point this process's metrics at the deployment's folder (idempotent per folder)."""
    folder = metrics_dir(settings)
    current = _state.get("instruments")
    if current is not None and _state.get("dir") == folder:
        assert isinstance(current, Instruments)
        return current
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    # A fresh value class holds its own open files: a process reconfigured to another
    # folder (tests do that) writes there from now on.
    values.ValueClass = values.MultiProcessValue()
    instruments = _build()
    _state.update(dir=folder, instruments=instruments)
    return instruments


def instruments() -> Instruments | None:
    current = _state.get("instruments")
    return current if isinstance(current, Instruments) else None


def render(settings: Settings, *extra: object) -> bytes:
    """The Prometheus text exposition: every process's files plus scrape-time collectors."""
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(metrics_dir(settings)))
    for collector in extra:
        registry.register(collector)  # type: ignore[arg-type]
    return generate_latest(registry)
