"""encrypt the contact data outside clients/operators; keyed-hash notification dedupe keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 12:00:00

Sealed like 0007 (AES-GCM tokens bound to their column, same keys): notifications.recipient,
notifications.body / context / last_error (messages quote addresses; the JSON context
becomes one token), tickets.requester_email, ticket_comments.author_email,
watson_activities.user_email and scheduled_visits.address. Notifications get
recipient_bidx for the exact-match recipient filter. notifications.dedupe_key holds
"<event>:<entity>:<channel>:<address>"; it is only compared, so it becomes an HMAC of
itself (as `make_dedupe_key` now computes it). The ticket history (ticket_events.changes)
masks requester e-mails from now on, and this migration masks the ones already there (the
downgrade cannot bring those back).

The downgrade opens every sealed value again; the dedupe keys stay hashed (a hash cannot be
reversed): after a downgrade an event replayed for a notification created before it is not
recognised as a duplicate. Upgrading again leaves already hashed keys alone.

On SQLite a batch type change rebuilds the table, and the DROP TABLE of that rebuild fires
the ON DELETE actions of the tables pointing at it (every ticket comment, event and tag would
go with `tickets`). Tables nothing points at are rebuilt as usual; tickets.requester_email is
retyped in place instead (add a column, copy, drop the old one, rename: no rebuild).
"""

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
MASK = "***"  # as uanl.audit.listener.MASK
# table -> sealed columns with their plaintext type and nullability
SEALED: dict[str, dict[str, tuple[Any, bool]]] = {
    "notifications": {
        "recipient": (sa.String(length=500), False),
        "body": (sa.Text(), True),
        "context": (sa.JSON(), False),
        "last_error": (sa.Text(), True),
    },
    "tickets": {"requester_email": (sa.String(length=254), True)},
    "ticket_comments": {"author_email": (sa.String(length=254), True)},
    "watson_activities": {"user_email": (sa.String(length=254), True)},
    "scheduled_visits": {"address": (sa.Text(), True)},
}
# Other tables hold foreign keys to these: never rebuilt on SQLite (see the docstring).
REFERENCED = {"tickets"}


def _is_postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _batches(table: str, columns: Sequence[str]) -> Iterator[list[Any]]:
    bind = op.get_bind()
    last = 0
    listed = ", ".join(columns)
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, {listed} FROM {table} WHERE id > :last "
                f"AND ({' OR '.join(f'{c} IS NOT NULL' for c in columns)}) "
                f"ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1][0]


def _ring() -> Any:
    from uanl.core.crypto import keyring

    return keyring()


def _transform(table: str, *, seal: bool) -> None:
    """Seal (upgrade) or open (downgrade) every value; the blind index only when sealing."""
    columns = list(SEALED[table])
    if table == "notifications":
        columns.append("dedupe_key")
    ring = None
    for rows in _batches(table, columns):
        ring = ring or _ring()  # keys are only needed (and generated in dev) if there is data
        updates = []
        for row in rows:
            new: dict[str, Any] = {"id": row[0]}
            for col, value in zip(columns, row[1:], strict=True):
                context = f"{table}.{col}"
                if col == "dedupe_key":
                    # raw keys always hold ":"; one hashed before (upgrade, downgrade,
                    # upgrade) stays as it is
                    if seal and value is not None and ":" in value:
                        new[col] = ring.blind_index("dedupe", value)
                elif value is None:
                    new[col] = None
                elif seal:
                    text = value if isinstance(value, str) else json.dumps(value)
                    new[col] = ring.encrypt(text, context)
                    if col == "recipient":
                        new["recipient_bidx"] = ring.blind_index("recipient", value)
                else:
                    new[col] = ring.decrypt(value, context)
            updates.append(new)
        # rows differ in which keys they carry only for dedupe_key: update per shape
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for new in updates:
            shapes.setdefault(tuple(c for c in new if c != "id"), []).append(new)
        bind = op.get_bind()
        for targets, group in shapes.items():
            assignments = ", ".join(f"{c} = :{c}" for c in targets)
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), group)


def _mask_ticket_history() -> None:
    """ticket_events.changes copied requester e-mails in the clear: mask them (no way back)."""
    bind = op.get_bind()
    as_text = "changes::text" if _is_postgres() else "changes"
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, changes FROM ticket_events WHERE id > :last AND {as_text} LIKE "
                f"'%requester_email%' ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        for row_id, raw in rows:
            changes = json.loads(raw) if isinstance(raw, str) else dict(raw)
            values = changes.get("requester_email")
            if isinstance(values, list):
                changes["requester_email"] = [None if v is None else MASK for v in values]
                bind.execute(
                    sa.text("UPDATE ticket_events SET changes = :c WHERE id = :id").bindparams(
                        sa.bindparam("c", type_=sa.JSON().with_variant(JSONB(), "postgresql"))
                    ),
                    {"c": changes, "id": row_id},
                )
        last = rows[-1][0]


def _retype(*, widen: bool) -> None:
    postgres = _is_postgres()
    for table, columns in SEALED.items():
        for name, (plain_type, nullable) in columns.items():
            if isinstance(plain_type, sa.Text):
                continue
            if postgres and isinstance(plain_type, sa.JSON):
                plain_type = JSONB()
            old, new = (plain_type, sa.Text()) if widen else (sa.Text(), plain_type)
            if postgres:
                cast = "text" if widen else str(new.compile(dialect=op.get_bind().dialect))
                op.alter_column(
                    table,
                    name,
                    existing_type=old,
                    type_=new,
                    existing_nullable=nullable,
                    postgresql_using=f"{name}::{cast.lower()}",
                )
            elif table in REFERENCED:
                _retype_in_place(table, name, new)
            else:
                with op.batch_alter_table(table, schema=None) as batch_op:
                    batch_op.alter_column(
                        name, existing_type=old, type_=new, existing_nullable=nullable
                    )


def _retype_in_place(table: str, name: str, type_: Any) -> None:
    """SQLite: a nullable, unindexed column changes type without rebuilding its table."""
    spec = type_.compile(dialect=op.get_bind().dialect)
    op.execute(f"ALTER TABLE {table} ADD COLUMN {name}__new {spec}")
    op.execute(f"UPDATE {table} SET {name}__new = {name}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {name}__new TO {name}")


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_bidx", sa.String(length=64), nullable=True))
    _retype(widen=True)
    for table in SEALED:
        _transform(table, seal=True)
    _mask_ticket_history()
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_bidx"), ["recipient_bidx"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_bidx"))
    for table in SEALED:
        _transform(table, seal=False)
    _retype(widen=False)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("recipient_bidx")
