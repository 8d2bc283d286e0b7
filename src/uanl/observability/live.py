"""Gauges computed when Prometheus scrapes: queue depth, notification backlog, SLA breaches.

Each is one small indexed query (pending notifications: `status`; breached open tickets:
`state`) or a directory listing, so a scrape stays cheap however much history there is.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from loguru import logger
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uanl.core.config import Settings
from uanl.models import OPEN_STATES, Notification, NotificationStatus, SlaStatus, Ticket

DEFAULT_QUEUE = "celery"
# kombu's Redis transport keeps priorities 3, 6 and 9 in sibling lists.
REDIS_PRIORITY_SEPARATOR = "\x06\x16"
REDIS_PRIORITY_STEPS = (3, 6, 9)


def queue_depths(settings: Settings) -> dict[str, int]:
    """Messages waiting in the broker, by queue."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=1)
        try:
            keys = [DEFAULT_QUEUE] + [
                f"{DEFAULT_QUEUE}{REDIS_PRIORITY_SEPARATOR}{step}" for step in REDIS_PRIORITY_STEPS
            ]
            return {DEFAULT_QUEUE: sum(int(client.llen(key)) for key in keys)}
        finally:
            client.close()
    counts: Counter[str] = Counter({DEFAULT_QUEUE: 0})
    folder = settings.data_dir / "queue"
    for name in os.listdir(folder) if folder.is_dir() else []:
        rest = name.partition(".")[2]  # "<time>_<uuid>.<queue>.msg"
        if rest.endswith(".msg"):
            counts[rest[: -len(".msg")]] += 1
    return dict(counts)


def _db_gauges(db: Session) -> tuple[dict[str, int], dict[str, int]]:
    # The request's own session: on SQLite a second connection would wait for its lock.
    pending = db.execute(
        select(Notification.channel, func.count())
        .where(Notification.status == NotificationStatus.pending)
        .group_by(Notification.channel)
    ).all()
    breached = db.execute(
        select(Ticket.priority, func.count())
        .where(Ticket.state.in_(OPEN_STATES), Ticket.sla_status == SlaStatus.breached)
        .group_by(Ticket.priority)
    ).all()
    return (
        {str(getattr(c, "value", c)): int(n) for c, n in pending},
        {str(getattr(p, "value", p)): int(n) for p, n in breached},
    )


class LiveCollector:
    def __init__(self, settings: Settings, db: Session) -> None:
        self.settings = settings
        self.db = db

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depths = queue_depths(self.settings)
        except Exception as exc:  # noqa: BLE001 - a broker outage must not break the scrape
            logger.warning("metrics: queue depth unavailable ({})", type(exc).__name__)
        else:
            family = GaugeMetricFamily(
                "uanl_queue_depth", "Celery messages waiting in the broker", labels=["queue"]
            )
            for queue, depth in sorted(depths.items()):
                family.add_metric([queue], depth)
            yield family
        try:
            pending, breached = _db_gauges(self.db)
        except Exception as exc:  # noqa: BLE001 - nor a database outage
            self.db.rollback()
            logger.warning("metrics: database gauges unavailable ({})", type(exc).__name__)
            return
        backlog = GaugeMetricFamily(
            "uanl_notifications_pending",
            "Notifications waiting to be delivered (or retried), by channel",
            labels=["channel"],
        )
        for channel, n in sorted(pending.items()):
            backlog.add_metric([channel], n)
        yield backlog
        sla = GaugeMetricFamily(
            "uanl_sla_breached_open_tickets",
            "Open tickets whose SLA is breached, by priority",
            labels=["priority"],
        )
        for priority, n in sorted(breached.items()):
            sla.add_metric([priority], n)
        yield sla
