"""Small builders shared by the notification tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.models import (
    Client,
    Notification,
    NotificationStatus,
    ScheduledVisit,
    Ticket,
    utcnow,
)
from uanl.notifications.delivery import deliver


def make_visit(
    db: Session, client: Client, operator_id: int, ticket: Ticket | None
) -> ScheduledVisit:
    start = utcnow() + timedelta(days=1)
    visit = ScheduledVisit(
        client_id=client.id,
        operator_id=operator_id,
        ticket_id=ticket.id if ticket else None,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        address="Av. Universidad s/n",
    )
    db.add(visit)
    db.commit()
    return visit


def rows(db: Session, **filters: Any) -> list[Notification]:
    """Fresh rows; the read transaction ends at once (on SQLite every transaction holds the
    write lock, so a test must not sit in one while the API or a worker writes)."""
    stmt = select(Notification).filter_by(**filters).order_by(Notification.id)
    # populate_existing refreshes these rows without expiring the test's other objects
    # (an expired ticket would reload lazily and open a transaction again).
    found = list(db.scalars(stmt.execution_options(populate_existing=True)))
    db.commit()
    return found


def deliver_pending(db: Session, **kw: Any) -> dict[int, str]:
    ids = [n.id for n in rows(db, status=NotificationStatus.pending)]
    return {i: deliver(db, i, **kw).status for i in ids}
