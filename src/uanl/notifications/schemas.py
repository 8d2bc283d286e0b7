"""Request and response bodies for notifications and the CSAT survey."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints

from uanl.core.schemas import ReadModel, Strict
from uanl.core.validators import MAX_ID
from uanl.models import Language, Notification, NotificationChannel, NotificationStatus
from uanl.notifications.visibility import redact


class NotificationRead(ReadModel):
    id: int
    channel: NotificationChannel
    event: str
    recipient: str
    recipient_operator_id: int | None
    recipient_client_id: int | None
    language: Language
    subject: str | None
    body: str | None
    template: str | None
    status: NotificationStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    ticket_id: int | None
    visit_id: int | None
    report_id: int | None
    delivery_note: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Notification) -> NotificationRead:
        out = cls.model_validate(row)
        context = row.context or {}
        out.delivery_note = context.get("delivery_note")
        # Survey and signed download links are the recipient's credentials: never shown.
        out.subject = redact(out.subject, context)
        out.body = redact(out.body, context)
        # Webhook URLs carry their secret in the path: show only where they point.
        if out.recipient.startswith(("http://", "https://")):
            parts = urlsplit(out.recipient)
            out.recipient = f"{parts.scheme}://{parts.netloc}/…"
        return out


Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class NotificationCreate(Strict):
    """An ad-hoc message. Give exactly one target for e-mail and SMS; none for Slack/Teams."""

    channel: NotificationChannel = NotificationChannel.email
    to_client_id: int | None = Field(None, ge=1, le=MAX_ID)
    to_operator_id: int | None = Field(None, ge=1, le=MAX_ID)
    to_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = (
        Field(None, description="An e-mail address (email) or an E.164 number (sms)")
    )
    subject: Subject | None = None
    body: Body
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)
    language: Language | None = Field(
        None, description="Defaults to the recipient's preference, else Spanish"
    )


class CsatAnswer(Strict):
    score: int = Field(ge=1, le=5, description="1 = very dissatisfied, 5 = very satisfied")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class CsatResult(ReadModel):
    ticket_id: int
    csat_score: int
    csat_comment: str | None
    csat_submitted_at: datetime
