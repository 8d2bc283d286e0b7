from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from uanl.core.crypto import EncryptedJSON, EncryptedText, blind_index
from uanl.models.base import (
    Base,
    IdMixin,
    Language,
    NotificationChannel,
    NotificationStatus,
    TimestampMixin,
    str_enum,
)


class Notification(IdMixin, TimestampMixin, Base):
    """Every message the desk sends: a row first, then a task (transactional outbox).

    The recipient (an e-mail, phone number or webhook), body, context and last error are
    encrypted at rest; the recipient is found by its blind index; the dedupe key is a keyed
    hash (see `notifications.creation.make_dedupe_key`). The subject stays plain.
    """

    __tablename__ = "notifications"

    channel: Mapped[NotificationChannel] = mapped_column(
        str_enum(NotificationChannel, "notification_channel")
    )
    event: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(EncryptedText("notifications.recipient"))
    recipient_bidx: Mapped[str | None] = mapped_column(String(64))
    recipient_operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    recipient_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL")
    )
    language: Mapped[Language] = mapped_column(
        str_enum(Language, "notification_language"), default=Language.es
    )
    subject: Mapped[str | None] = mapped_column(String(300))
    # The rendered message and its context name addresses, comment text, visit addresses.
    body: Mapped[str | None] = mapped_column(EncryptedText("notifications.body"))
    template: Mapped[str | None] = mapped_column(String(80))
    context: Mapped[dict[str, Any]] = mapped_column(
        EncryptedJSON("notifications.context"), default=dict
    )
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # SMTP and Twilio errors quote the refused address.
    last_error: Mapped[str | None] = mapped_column(EncryptedText("notifications.last_error"))
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # One message per event and recipient, however often the event is replayed.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_visits.id", ondelete="SET NULL")
    )
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))

    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "channel", "created_at"),
        Index(None, "ticket_id"),
        Index(None, "created_at"),
        Index(None, "recipient_bidx"),
    )

    @validates("recipient")
    def _index(self, key: str, value: str | None) -> str | None:
        self.recipient_bidx = blind_index("recipient", value)
        return value
