"""The query behind the notification list: its filters, one optional argument each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from uanl.core.crypto import blind_index
from uanl.models import Notification, NotificationChannel, NotificationStatus


def list_query(
    *,
    statuses: list[NotificationStatus] | None = None,
    channel: NotificationChannel | None = None,
    event: str | None = None,
    ticket_id: int | None = None,
    visit_id: int | None = None,
    report_id: int | None = None,
    recipient: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Select[Notification]:
    stmt = select(Notification)
    if statuses:
        stmt = stmt.where(Notification.status.in_(statuses))
    if channel is not None:
        stmt = stmt.where(Notification.channel == channel)
    if event:
        stmt = stmt.where(Notification.event == event)
    if ticket_id is not None:
        stmt = stmt.where(Notification.ticket_id == ticket_id)
    if visit_id is not None:
        stmt = stmt.where(Notification.visit_id == visit_id)
    if report_id is not None:
        stmt = stmt.where(Notification.report_id == report_id)
    if recipient:
        stmt = stmt.where(Notification.recipient_bidx == blind_index("recipient", recipient))
    if created_from is not None:
        stmt = stmt.where(Notification.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Notification.created_at < created_to)
    return stmt
