"""Notification outbox: create rows, deliver them, sweep what was left behind.

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

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Required, TypedDict, Unpack, cast

from loguru import logger
from sqlalchemy import Select, Table, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.config import Settings
from uanl.core.crypto import blind_index
from uanl.core.errors import Conflict
from uanl.core.tasks import enqueue_after_commit
from uanl.models import (
    Language,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Operator,
    utcnow,
)
from uanl.notifications.channels import (
    CHANNELS,
    Channel,
    DeliveryError,
    Message,
    PermanentError,
    TransientError,
)
from uanl.notifications.render import render, template_exists

DELIVER_TASK = "uanl.notifications.deliver"
DELIVER_BATCH_TASK = "uanl.notifications.deliver_batch"
#: Rows per INSERT statement and ids per `deliver_batch` task in `create_notifications`.
BATCH_SIZE = 500
# Without it, send_task subscribes to the Redis result channel of every task, which blocks
# for ~20 s per message when Redis is down (Celery retries that connection on its own).
TASK_OPTIONS: dict[str, Any] = {"ignore_result": True}
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


def make_dedupe_key(*parts: object) -> str:
    """A keyed hash (HMAC with the blind-index key) of event, entity, channel and recipient.

    Dedupe keys are only compared, never read: storing the hash keeps the addresses they
    name out of the database. A changed BLIND_INDEX_KEY only means that an event replayed
    across the change is not recognised as a duplicate.
    """
    key = ":".join(str(p) for p in parts if p not in (None, ""))
    digest = blind_index("dedupe", key)
    assert digest is not None  # an event name is always part of the key
    return digest


# --------------------------------------------------------------------------- creation


def notification_values(
    *,
    channel: NotificationChannel,
    event: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    language: Language = Language.es,
    dedupe_key: str | None = None,
    recipient_operator_id: int | None = None,
    recipient_client_id: int | None = None,
    ticket_id: int | None = None,
    visit_id: int | None = None,
    report_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The column values of one new row, subject and text rendered (or the row `failed`
    with the template error). Contact data stays plaintext here: the column types seal it
    when the INSERT binds it."""
    settings = config.get_settings()
    now = now or utcnow()
    language = Language(language)
    values: dict[str, Any] = {
        "channel": channel,
        "event": event,
        "recipient": recipient,
        "recipient_bidx": blind_index("recipient", recipient),
        "recipient_operator_id": recipient_operator_id,
        "recipient_client_id": recipient_client_id,
        "language": language,
        "template": template,
        "context": context,
        "status": NotificationStatus.pending,
        "attempts": 0,
        "dedupe_key": dedupe_key,
        "ticket_id": ticket_id,
        "visit_id": visit_id,
        "report_id": report_id,
        "created_at": now,
        "updated_at": now,
        "subject": None,
        "body": None,
        "last_error": None,
    }
    try:
        # The HTML is rendered again when the e-mail is built (`build_message`): not here.
        rendered = render(template, language.value, context, timezone=settings.timezone, html=False)
        values["subject"], values["body"] = rendered.subject, rendered.text
    except Exception as exc:  # noqa: BLE001 - a template bug must not undo the ticket change
        logger.opt(exception=exc).error("notification template {} failed", template)
        values["status"] = NotificationStatus.failed
        values["last_error"] = f"template error: {type(exc).__name__}: {exc}"
    return values


class NotificationFields(TypedDict, total=False):
    """The keyword arguments of `notification_values` (typed for `create_notification`)."""

    channel: Required[NotificationChannel]
    event: Required[str]
    recipient: Required[str]
    template: Required[str]
    context: Required[dict[str, Any]]
    language: Language
    dedupe_key: str | None
    recipient_operator_id: int | None
    recipient_client_id: int | None
    ticket_id: int | None
    visit_id: int | None
    report_id: int | None
    now: datetime | None


def create_notification(db: Session, **fields: Unpack[NotificationFields]) -> Notification | None:
    """Insert one row (nothing if its dedupe key exists) and queue its delivery after commit."""
    values = notification_values(**fields)
    new_id = insert_ignoring_duplicate(db, values)
    if new_id is None:
        return None
    if values["status"] == NotificationStatus.pending:
        enqueue_after_commit(db, DELIVER_TASK, new_id, _options=TASK_OPTIONS)
    return db.get(Notification, new_id)


def create_notifications(db: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Many rows of `notification_values` at once: one INSERT … ON CONFLICT (dedupe_key) DO
    NOTHING per page of rows (executemany, RETURNING the new ids), and one task per
    `BATCH_SIZE` new pending rows after commit (`deliver_batch` fans it out into one delivery
    task per row). Returns the ids of the rows that are new, in no particular order."""
    if not rows:
        return []
    dialect = db.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - one by one
        return [i for v in rows if (i := insert_ignoring_duplicate(db, v)) is not None]
    table = cast(Table, Notification.__table__)
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_fn(table)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id, table.c.status)
    )
    new: list[int] = []
    pending: list[int] = []
    with db.no_autoflush:
        for start in range(0, len(rows), BATCH_SIZE):
            for row_id, status in db.execute(stmt, rows[start : start + BATCH_SIZE]):
                new.append(int(row_id))
                if status == NotificationStatus.pending:
                    pending.append(int(row_id))
    pending.sort()
    for start in range(0, len(pending), BATCH_SIZE):
        chunk = pending[start : start + BATCH_SIZE]
        if len(chunk) == 1:  # no fan-out message for a single row
            enqueue_after_commit(db, DELIVER_TASK, chunk[0], _options=TASK_OPTIONS)
        else:
            enqueue_after_commit(db, DELIVER_BATCH_TASK, chunk, _options=TASK_OPTIONS)
    return new


def insert_ignoring_duplicate(db: Session, values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, on PostgreSQL and SQLite."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = pg_insert(Notification).values(**values)
        pg_stmt = pg_stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        return db.execute(pg_stmt.returning(Notification.id)).scalar_one_or_none()
    if dialect == "sqlite":
        lite_stmt = sqlite_insert(Notification).values(**values)
        lite_stmt = lite_stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        return db.execute(lite_stmt.returning(Notification.id)).scalar_one_or_none()
    try:  # pragma: no cover - other databases: a savepoint absorbs the duplicate
        with db.begin_nested():
            row = Notification(**values)
            db.add(row)
            db.flush()
            return row.id
    except IntegrityError:  # pragma: no cover
        return None


# --------------------------------------------------------------------------- delivery


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


def build_message(row: Notification, settings: Settings) -> Message:
    context = row.context or {}
    html: str | None = None
    if row.channel == NotificationChannel.email:
        if row.template and template_exists(row.template):
            try:
                html = render(
                    row.template, row.language.value, context, timezone=settings.timezone
                ).html
            except Exception as exc:  # noqa: BLE001 - shown on the row
                raise PermanentError(f"template error: {type(exc).__name__}: {exc}") from exc
        else:
            html = "<p>" + html_lib.escape(row.body or "").replace("\n", "<br>") + "</p>"
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return Message(
        notification_id=row.id,
        channel=row.channel,
        to=row.recipient,
        subject=row.subject or "",
        text=row.body or "",
        html=html,
        link=context.get("ticket_url") or context.get("report_url"),
        language=row.language.value,
        message_id=f"<uanl-notification-{row.id}@{domain}>",
        extra={"adhoc": row.event == "adhoc"},
        attachments=_attachments(row, context),
    )


def _attachments(row: Notification, context: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    """A report file to attach (e-mail only), read from storage at delivery time.

    If the file has already been cleaned up (retention), the e-mail still carries the link
    and says when it expired; nothing fails."""
    spec = context.get("attachment")
    if row.channel != NotificationChannel.email or not isinstance(spec, dict):
        return []
    from uanl.reports.storage import get_storage

    storage = get_storage()
    key = str(spec.get("storage_key") or "")
    if not key or not storage.exists(key):
        return []
    with storage.open_read(key) as fh:
        data = fh.read()
    return [(str(spec["filename"]), str(spec["content_type"]), data)]


# --------------------------------------------------------------------------- sweep


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
        enqueue_after_commit(db, DELIVER_TASK, notification_id, _options=TASK_OPTIONS)
    return ids


# --------------------------------------------------------------------------- API helpers


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
    enqueue_after_commit(db, DELIVER_TASK, row.id, _options=TASK_OPTIONS)
    return row


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
