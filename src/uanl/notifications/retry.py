"""An operator's retry of a failed or cancelled notification."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uanl.core.errors import Conflict
from uanl.models import Notification, NotificationStatus, Operator, utcnow
from uanl.notifications.enqueue import enqueue_delivery


def retry(db: Session, row: Notification, actor: Operator) -> Notification:
    """A failed or cancelled row goes back to pending with a fresh attempt budget."""
    if row.status not in (NotificationStatus.failed, NotificationStatus.cancelled):
        raise Conflict(
            f"Only failed or cancelled notifications can be retried; this one is "
            f"{row.status.value}",
            current_status=row.status.value,
        )
    history = list((row.context or {}).get("retries", []))
    history.append({"by": actor.id, "at": utcnow().isoformat(), "previous_error": row.last_error})
    row.context = {**(row.context or {}), "retries": history}
    row.status = NotificationStatus.pending
    row.attempts = 0
    row.next_attempt_at = None
    row.last_error = None
    row.updated_at = utcnow()
    db.flush()
    enqueue_delivery(db, row.id)
    return row
