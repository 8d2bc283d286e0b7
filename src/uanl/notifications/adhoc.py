"""Ad-hoc messages from staff: to a client, an operator or an address, by channel."""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.models import (
    Client,
    Language,
    Notification,
    NotificationChannel,
    Operator,
    Ticket,
)
from uanl.notifications.channels import to_e164
from uanl.notifications.creation import create_message, make_dedupe_key
from uanl.notifications.plans import ticket_url
from uanl.notifications.recipients import SLACK_RECIPIENT, TEAMS_RECIPIENT
from uanl.notifications.schemas import NotificationCreate

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
TARGETS = ("to_client_id", "to_operator_id", "to_address")


def create_adhoc(
    db: Session, data: NotificationCreate, actor: Operator, idempotency_key: str | None = None
) -> tuple[Notification, bool]:
    """Validate the target, write the row, queue it. Returns (row, created)."""
    settings = config.get_settings()
    given = [name for name in TARGETS if getattr(data, name) is not None]
    ticket = None
    if data.ticket_id is not None:
        ticket = db.get(Ticket, data.ticket_id)
        if ticket is None:
            raise ValidationFailed("ticket_id", f"ticket {data.ticket_id} does not exist")
    recipient, language, client_id, operator_id = _target(db, data, given)
    if data.language is not None:
        language = data.language
    if data.channel == NotificationChannel.slack and not settings.slack_webhook_url:
        raise ValidationFailed("channel", "SLACK_WEBHOOK_URL is not configured")
    if data.channel == NotificationChannel.teams and not settings.teams_webhook_url:
        raise ValidationFailed("channel", "TEAMS_WEBHOOK_URL is not configured")
    ticket_id = ticket.id if ticket else None
    link = ticket_url(settings, ticket.id) if ticket else None
    context = message_context(data.subject, data.body, ticket_id, link, actor.name, actor.id)
    key = make_dedupe_key("adhoc", actor.id, idempotency_key) if idempotency_key else None
    row = create_message(
        db,
        "adhoc",
        recipient,
        context,
        data.channel,
        language=language,
        dedupe_key=key,
        recipient_operator_id=operator_id,
        recipient_client_id=client_id,
        ticket_id=ticket_id,
    )
    if row is not None:
        return row, True
    existing = db.query(Notification).filter(Notification.dedupe_key == key).one()
    return existing, False


def message_context(
    subject: str | None,
    body: str,
    ticket_id: int | None,
    ticket_link: str | None,
    sender_name: str,
    sender_id: int | None,
) -> dict[str, Any]:
    """What the "adhoc" template shows: the message, the ticket it is about, who sent it."""
    return {
        "subject": subject,
        "body": body,
        "ticket_id": ticket_id,
        "ticket_url": ticket_link,
        "sender_name": sender_name,
        "sender_id": sender_id,
    }


def _target(
    db: Session, data: NotificationCreate, given: list[str]
) -> tuple[str, Language, int | None, int | None]:
    channel = data.channel
    if channel in (NotificationChannel.slack, NotificationChannel.teams):
        if given:
            raise ValidationFailed(
                given[0],
                f"{channel.value} messages go to the configured webhook; leave "
                f"{', '.join(TARGETS)} empty",
            )
        return (
            SLACK_RECIPIENT if channel == NotificationChannel.slack else TEAMS_RECIPIENT,
            Language.es,
            None,
            None,
        )
    if len(given) != 1:
        field = given[1] if given else "to_address"
        raise ValidationFailed(field, f"give exactly one of {', '.join(TARGETS)}")
    if data.to_client_id is not None:
        client = db.get(Client, data.to_client_id)
        if client is None:
            raise ValidationFailed("to_client_id", f"client {data.to_client_id} does not exist")
        address = client.email if channel == NotificationChannel.email else client.phone
        if not address:
            what = "e-mail" if channel == NotificationChannel.email else "phone"
            raise ValidationFailed("to_client_id", f"client {client.id} has no {what}")
        return _address(channel, address, "to_client_id"), client.language, client.id, None
    if data.to_operator_id is not None:
        operator = db.get(Operator, data.to_operator_id)
        if operator is None or not operator.is_active:
            raise ValidationFailed(
                "to_operator_id", f"operator {data.to_operator_id} does not exist or is inactive"
            )
        address = operator.email if channel == NotificationChannel.email else operator.phone
        if not address:
            raise ValidationFailed("to_operator_id", f"operator {operator.id} has no phone")
        return _address(channel, address, "to_operator_id"), operator.language, None, operator.id
    assert data.to_address is not None
    return _address(channel, data.to_address, "to_address"), Language.es, None, None


def _address(channel: NotificationChannel, value: str, field: str) -> str:
    if channel == NotificationChannel.email:
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationFailed(field, f"not a valid e-mail address: {exc}") from exc
    number = to_e164(value)
    if not E164.match(number):
        raise ValidationFailed(field, "not a phone number in E.164 form, e.g. +528112345678")
    return number
