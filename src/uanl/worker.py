"""The Celery app and the beat schedule; tasks live in their domains (`<domain>/tasks.py`).

Production: Redis is broker and result backend (`REDIS_URL`). Embedded (no `REDIS_URL`):
kombu's filesystem transport under the data dir, so worker, beat and Flower need no server
(our subclass `uanl.core.fs_transport`, which does not lose messages under concurrent sends).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging as celery_setup_logging
from celery.signals import worker_process_init
from kombu.transport import TRANSPORT_ALIASES

from uanl.audit.listener import install
from uanl.core import db
from uanl.core.config import Settings, get_settings
from uanl.core.logging import setup_logging
from uanl.wiring import wire

TASK_MODULES = [
    "uanl.tickets.tasks",
    "uanl.notifications.tasks",
    "uanl.visits.tasks",
    "uanl.reports.tasks",
    "uanl.backup.tasks",
]

# Sweeps are the safety net: whatever a lost message or a downed broker skipped, they catch.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "escalation-sweep": {"task": "uanl.tickets.escalation_sweep", "schedule": timedelta(minutes=1)},
    "assignment-sweep": {"task": "uanl.tickets.assignment_sweep", "schedule": timedelta(minutes=1)},
    "sla-status-sweep": {"task": "uanl.tickets.sla_status_sweep", "schedule": timedelta(minutes=1)},
    "notification-sweep": {"task": "uanl.notifications.sweep", "schedule": timedelta(seconds=30)},
    "visit-reminders": {"task": "uanl.visits.reminders", "schedule": timedelta(minutes=1)},
    "report-schedules": {"task": "uanl.reports.run_schedules", "schedule": timedelta(minutes=1)},
    "report-cleanup": {"task": "uanl.reports.cleanup", "schedule": timedelta(hours=1)},
    "report-rollups": {"task": "uanl.reports.refresh_rollups", "schedule": timedelta(minutes=1)},
    "idempotency-purge": {
        "task": "uanl.tickets.purge_idempotency_keys",
        "schedule": timedelta(hours=1),
    },
    # Daily at 03:15 in TIMEZONE: a backup, then retention (BACKUP_KEEP, BACKUP_MAX_AGE_DAYS).
    "database-backup": {"task": "uanl.backup.run", "schedule": crontab(hour=3, minute=15)},
}

TRANSPORT_ALIASES.setdefault("uanlfs", "uanl.core.fs_transport:Transport")

celery_app = Celery("uanl")


def broker_settings(settings: Settings) -> dict[str, Any]:
    if settings.redis_url:
        return {
            "broker_url": settings.redis_url,
            "result_backend": settings.redis_url,
            "broker_transport_options": {"visibility_timeout": 3600},
        }
    queue = settings.data_dir / "queue"
    control = settings.data_dir / "queue-control"
    for folder in (queue, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "uanlfs://",
        "result_backend": None,
        "broker_transport_options": {
            # One folder for in and out: producer and consumer see the same messages.
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
            # The default 1 s poll caps a worker at (processes x prefetch) tasks a second;
            # 0.05 s: ~35 deliveries/s at concurrency 2 for < 1 % of a core when idle
            # (docs/benchmarks.md, "Notification delivery to SMTP").
            "polling_interval": 0.05,
        },
    }


def configure_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    if celery_app._pool is not None:  # a new broker URL needs new connections
        from kombu import pools

        # kombu also keeps process-wide producer pools keyed by connection: clear those too,
        # or reconfiguring back to an earlier broker hands out a closed pool.
        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    celery_app.conf.update(
        **broker_settings(settings),
        include=TASK_MODULES,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        timezone=settings.timezone,
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Hard limit only: a global soft limit above a task's own hard limit makes Celery
        # refuse to send that task (beat would silently stop running it).
        task_time_limit=300,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        worker_hijack_root_logger=False,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        # Workers report received/started/succeeded/failed (what Flower shows). No
        # "task-sent" event: it is a second broker publish for every task a request queues.
        worker_send_task_events=True,
        task_send_sent_event=False,
    )
    return celery_app


@celery_setup_logging.connect
def _celery_logging(**_: Any) -> None:
    settings = get_settings()
    setup_logging(json=settings.is_production, level=settings.log_level)


@worker_process_init.connect
def _fresh_engine(**_: Any) -> None:
    # A forked worker must not share the parent's database connections.
    db.configure()
    install()  # worker writes are audited too (actor "system")


configure_celery()
wire(celery_app)  # the event bus's subscribers, and this app to send tasks with

# Task metrics and the API's request id in task logs (signal handlers connect on import).
import uanl.observability.tasks  # noqa: E402, F401
