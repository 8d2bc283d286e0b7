"""Creating notification rows: render subject and text, insert (once per dedupe key), and
queue their delivery after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Required, TypedDict, Unpack, cast

from loguru import logger
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.crypto import blind_index
from uanl.core.tasks import enqueue_after_commit
from uanl.models import Language, Notification, NotificationChannel, NotificationStatus, utcnow
from uanl.notifications.enqueue import DELIVER_BATCH_TASK, TASK_OPTIONS, enqueue_delivery
from uanl.notifications.render import render

#: Rows per INSERT statement and ids per `deliver_batch` task in `create_notifications`.
BATCH_SIZE = 500


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


class RowOptions(TypedDict, total=False):
    """The optional keyword arguments of `notification_values`."""

    language: Language
    dedupe_key: str | None
    recipient_operator_id: int | None
    recipient_client_id: int | None
    ticket_id: int | None
    visit_id: int | None
    report_id: int | None
    now: datetime | None


class NotificationFields(RowOptions, total=False):
    """The keyword arguments of `notification_values` (typed for `create_notification`)."""

    channel: Required[NotificationChannel]
    event: Required[str]
    recipient: Required[str]
    template: Required[str]
    context: Required[dict[str, Any]]


def create_notification(db: Session, **fields: Unpack[NotificationFields]) -> Notification | None:
    """Insert one row (nothing if its dedupe key exists) and queue its delivery after commit."""
    values = notification_values(**fields)
    new_id = insert_ignoring_duplicate(db, values)
    if new_id is None:
        return None
    if values["status"] == NotificationStatus.pending:
        enqueue_delivery(db, new_id)
    return db.get(Notification, new_id)


def create_message(
    db: Session,
    event: str,
    recipient: str,
    context: dict[str, Any],
    channel: NotificationChannel = NotificationChannel.email,
    **options: Unpack[RowOptions],
) -> Notification | None:
    """`create_notification` for one address no plan chose (a staff or Watson message, a
    schedule's report e-mail), by e-mail unless said; the template is named after the event
    as the plans name theirs ("report.ready" -> "report_ready")."""
    template = event.replace(".", "_")
    return create_notification(
        db,
        channel=channel,
        event=event,
        recipient=recipient,
        template=template,
        context=context,
        **options,
    )


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
            enqueue_delivery(db, chunk[0])
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
