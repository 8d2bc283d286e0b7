"""The notification sweep: re-queue rows that are due, and rows whose sender died while
holding the lease (see `delivery`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.models import Notification, NotificationStatus
from uanl.notifications.enqueue import enqueue_delivery


def sweep(db: Session, now: datetime, *, grace_s: float = 15.0, limit: int = 1000) -> list[int]:
    """Re-queue due rows and rows whose sender died; returns the ids queued (after commit).

    New rows get `grace_s` for their own task to arrive before the sweep sends a second one
    (a duplicate task is harmless, the claim makes it a no-op, but it is wasted work).
    """
    settings = config.get_settings()
    expired = and_(
        Notification.status == NotificationStatus.sending, Notification.next_attempt_at < now
    )
    db.execute(
        update(Notification)
        .where(expired, Notification.attempts >= settings.notification_max_attempts)
        .values(
            status=NotificationStatus.failed,
            next_attempt_at=None,
            last_error="gave up: the sender stopped before recording an outcome "
            f"{settings.notification_max_attempts} times",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.execute(
        update(Notification)
        .where(expired)
        .values(
            status=NotificationStatus.pending,
            next_attempt_at=now,
            last_error="lease expired: the sender stopped before recording an outcome",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    cutoff = now - timedelta(seconds=grace_s)
    due = select(Notification.id).where(
        Notification.status == NotificationStatus.pending,
        or_(
            Notification.next_attempt_at <= now,
            and_(Notification.next_attempt_at.is_(None), Notification.created_at <= cutoff),
        ),
    )
    ids = list(db.scalars(due.order_by(Notification.id).limit(limit)))
    for notification_id in ids:
        enqueue_delivery(db, notification_id)
    return ids
