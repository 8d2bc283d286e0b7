"""seal the stored Idempotency-Key replay bodies (they quote requester e-mails)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:00:00

idempotency_keys.response held the first answer to a create as JSON, a ticket's requester
e-mail included, in plaintext. It becomes TEXT holding one AES-GCM token per row, sealed
like 0009 sealed notifications.context (uanl.core.crypto, context
"idempotency_keys.response", same DATA_ENCRYPTION_KEYS). Existing rows are sealed in place,
not purged: a client retrying a create across the upgrade still gets its first answer.
The downgrade opens every body again (it needs the same keys).

Nothing references idempotency_keys, so the SQLite batch rebuild is safe. The table has
no id: batches walk its primary key (key, scope).
"""

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
CONTEXT = "idempotency_keys.response"
PLAIN_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _batches() -> Iterator[list[Any]]:
    bind = op.get_bind()
    query = "SELECT key, scope, response FROM idempotency_keys"
    order = f" ORDER BY key, scope LIMIT {BATCH}"
    rows = bind.execute(sa.text(query + order)).all()
    while rows:
        yield list(rows)
        last_key, last_scope = rows[-1][0], rows[-1][1]
        rows = bind.execute(
            sa.text(query + " WHERE (key, scope) > (:k, :s)" + order),
            {"k": last_key, "s": last_scope},
        ).all()


def _transform(*, seal: bool) -> None:
    from uanl.core.crypto import keyring

    bind = op.get_bind()
    ring = None
    for rows in _batches():
        ring = ring or keyring()  # keys are only needed (and generated in dev) if there is data
        updates = []
        for key, scope, value in rows:
            if seal:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                new = ring.encrypt(text, CONTEXT)
            else:
                new = ring.decrypt(value, CONTEXT)
            updates.append({"k": key, "s": scope, "v": new})
        # The column is TEXT on both sides of this step (retyped before sealing, after
        # opening): the JSON text goes in as it is.
        bind.execute(
            sa.text("UPDATE idempotency_keys SET response = :v WHERE key = :k AND scope = :s"),
            updates,
        )


def _retype(old: Any, new: Any) -> None:
    if op.get_bind().dialect.name == "postgresql":
        target = "text" if isinstance(new, sa.Text) else "jsonb"
        op.alter_column(
            "idempotency_keys",
            "response",
            existing_type=old,
            type_=new,
            existing_nullable=False,
            postgresql_using=f"response::{target}",
        )
    else:
        with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
            batch_op.alter_column("response", existing_type=old, type_=new, existing_nullable=False)


def upgrade() -> None:
    _retype(PLAIN_TYPE, sa.Text())
    _transform(seal=True)


def downgrade() -> None:
    _transform(seal=False)
    _retype(sa.Text(), PLAIN_TYPE)
