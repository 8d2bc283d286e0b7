"""Delivering one notification: claim the row, send it, record the outcome.

Delivery semantics (at-least-once, with a duplicate window as small as we can make it):

1. **Claim** — one short transaction moves the row `pending -> sending`, counts the attempt
   and sets a lease (`next_attempt_at = now + lease`). On PostgreSQL the row is locked with
   `FOR UPDATE SKIP LOCKED` first; on both backends the UPDATE is conditional
   (`WHERE status = 'pending' AND due`), so of two workers that race for one row only one
   claims it. The claim is committed *before* the send: no transaction is held open across
   network I/O, and a redelivered Celery message finds the row `sending`/`sent` and does
   nothing.
2. **Send** — outside any transaction.
3. **Record** — `sent`, or `pending` with exponential backoff, or `failed`; the UPDATE is
   fenced on `status = 'sending' AND attempts = <claimed attempt>`, so a sender whose lease
   already expired cannot overwrite a newer attempt's outcome.

If the process dies between claim and record, the row stays `sending` until its lease
expires, then the sweep makes it `pending` again and it is sent again. That is the
at-least-once choice: a crash *after* the server accepted the message but *before* step 3
committed sends it twice; every other crash sends it once. We prefer that to at-most-once
(marking expired leases failed), because a lost notification (a client never told their
visit moved) costs more than an occasional duplicate, and the window is one commit long.
E-mails carry a stable `Message-ID` per row, so mail systems can fold such a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.config import Settings
from uanl.models import Notification, NotificationChannel, NotificationStatus, utcnow
from uanl.notifications.channels import (
    CHANNELS,
    Channel,
    DeliveryError,
    Message,
    PermanentError,
    TransientError,
)
from uanl.notifications.compose import build_message

BACKOFF_CAP_S = 3600.0
MIN_LEASE_S = 120.0


def lease_seconds(settings: Settings) -> float:
    """Long enough for connect + TLS + login + DATA each hitting the timeout."""
    return max(MIN_LEASE_S, settings.smtp_timeout_s * 6)


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """base * 2^(attempt-1), capped at an hour: 30 s, 60 s, 2 min, 4 min, ... with defaults."""
    return float(
        min(settings.notification_backoff_base_s * 2 ** max(attempt - 1, 0), BACKOFF_CAP_S)
    )


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | failed | skipped
    retry_in: float | None = None
    detail: str | None = None


def _due(now: datetime) -> Any:
    return and_(
        Notification.status == NotificationStatus.pending,
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
    )


def _claim(db: Session, notification_id: int, now: datetime, lease_s: float) -> int | None:
    """pending+due -> sending with a lease; returns the attempt number, or None if not ours."""
    condition = and_(Notification.id == notification_id, _due(now))
    if db.get_bind().dialect.name == "postgresql":
        locked = db.scalar(
            select(Notification.id).where(condition).with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
    result = db.execute(
        update(Notification)
        .where(condition)
        .values(
            status=NotificationStatus.sending,
            attempts=Notification.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease_s),
            updated_at=now,
        )
        .returning(Notification.attempts)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


def deliver(
    db: Session,
    notification_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    channels: dict[NotificationChannel, Channel] | None = None,
) -> Outcome:
    """Send one notification if it is pending and due. Commits twice (claim, outcome)."""
    settings = settings or config.get_settings()
    channels = channels or CHANNELS
    started = now or utcnow()
    attempt = _claim(db, notification_id, started, lease_seconds(settings))
    if attempt is None:
        db.rollback()
        return Outcome("skipped")
    row = db.get(Notification, notification_id, populate_existing=True)
    assert row is not None
    # Log lines name the row, never the address (the recipient is sealed at rest; logs are not).
    what = f"notification {row.id} ({row.event} via {row.channel.value})"
    context = dict(row.context or {})
    error: DeliveryError | None = None
    message: Message | None = None
    try:
        message = build_message(row, settings)
    except DeliveryError as exc:
        error = exc
    db.commit()  # the lease is visible before anything leaves the building

    note = ""
    if message is not None:
        try:
            note = channels[message.channel].send(message, settings)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a bug in a channel must not lose the row
            logger.opt(exception=exc).error("{} channel crashed", what)
            error = TransientError(f"unexpected {type(exc).__name__}: {exc}")
    finished = now or utcnow()
    outcome, values = _outcome(settings, attempt, finished, error)
    if outcome.status == "sent":
        values["context"] = {**context, "delivery_note": note}
    result = db.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.sending,
            Notification.attempts == attempt,
        )
        .values(updated_at=finished, **values)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    if getattr(result, "rowcount", 1) != 1:
        logger.warning(
            "notification {}: lease expired before the outcome ({}) was recorded",
            notification_id,
            outcome.status,
        )
    _log_outcome(what, attempt, outcome, row.recipient)
    return outcome


def _outcome(
    settings: Settings, attempt: int, now: datetime, error: DeliveryError | None
) -> tuple[Outcome, dict[str, Any]]:
    if error is None:
        return Outcome("sent"), {
            "status": NotificationStatus.sent,
            "sent_at": now,
            "next_attempt_at": None,
            "last_error": None,
        }
    if isinstance(error, PermanentError):
        return Outcome("failed", detail=error.reason), {
            "status": NotificationStatus.failed,
            "next_attempt_at": None,
            "last_error": error.reason,
        }
    if attempt >= settings.notification_max_attempts:
        reason = f"{error.reason} (gave up after {attempt} attempts)"
        return Outcome("failed", detail=reason), {
            "status": NotificationStatus.failed,
            "next_attempt_at": None,
            "last_error": reason,
        }
    delay = max(backoff_seconds(settings, attempt), error.retry_after or 0.0)
    return Outcome("retry", retry_in=delay, detail=error.reason), {
        "status": NotificationStatus.pending,
        "next_attempt_at": now + timedelta(seconds=delay),
        "last_error": error.reason,
    }


def _redacted(text: str | None, recipient: str) -> str | None:
    """A server's reply without the recipient it quotes ("550 <ana@x.mx>: rejected")."""
    if not text:
        return text
    digits = re.sub(r"\D", "", recipient)
    for value in (recipient, digits if len(digits) >= 7 else ""):
        if value:
            text = re.sub(re.escape(value), "***", text, flags=re.IGNORECASE)
    return text


def _log_outcome(what: str, attempt: int, outcome: Outcome, recipient: str) -> None:
    detail = _redacted(outcome.detail, recipient)
    if outcome.status == "sent":
        logger.info("{} sent (attempt {})", what, attempt)
    elif outcome.status == "retry":
        logger.warning(
            "{} attempt {} failed, retry in {:.0f}s: {}",
            what,
            attempt,
            outcome.retry_in,
            detail,
        )
    else:
        logger.error("{} failed: {}", what, detail)
