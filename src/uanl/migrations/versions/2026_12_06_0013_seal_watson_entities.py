"""seal what the Watson NLU extracted (e-mail, phone) and the turn's outcome

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00

watson_activities.entities holds the e-mail and phone number a chat user typed (the NLU
extracts them), and watson_activities.result the pending slots that quote them, as JSON in
plaintext. Both become TEXT holding one AES-GCM token (uanl.core.crypto, contexts
"watson_activities.entities" / ".result", same DATA_ENCRYPTION_KEYS), sealed in place like
0009 sealed notifications.context; the downgrade opens them again (same keys needed).
Nothing references watson_activities, so the SQLite batch rebuild is safe (0009 did it too).
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
TABLE = "watson_activities"
COLUMNS = ("entities", "result")
PLAIN_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _transform(*, seal: bool) -> None:
    from uanl.core.crypto import keyring

    bind = op.get_bind()
    ring = None
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE} WHERE id > :last "
                f"ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        ring = ring or keyring()  # keys are only needed (and generated in dev) if there is data
        updates = []
        for row in rows:
            new: dict[str, Any] = {"id": row[0]}
            for name, value in zip(COLUMNS, row[1:], strict=True):
                context = f"{TABLE}.{name}"
                if seal:
                    plain = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    new[name] = ring.encrypt(plain, context)
                else:
                    new[name] = ring.decrypt(value, context)
            updates.append(new)
        # TEXT on both sides of this step (retyped before sealing, after opening).
        assignments = ", ".join(f"{c} = :{c}" for c in COLUMNS)
        bind.execute(sa.text(f"UPDATE {TABLE} SET {assignments} WHERE id = :id"), updates)
        last = rows[-1][0]


def _retype(*, seal: bool) -> None:
    old, new = (PLAIN_TYPE, sa.Text()) if seal else (sa.Text(), PLAIN_TYPE)
    if op.get_bind().dialect.name == "postgresql":
        for name in COLUMNS:
            op.alter_column(
                TABLE,
                name,
                existing_type=old,
                type_=new,
                existing_nullable=False,
                postgresql_using=f"{name}::{'text' if seal else 'jsonb'}",
            )
        return
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=old, type_=new, existing_nullable=False)


def upgrade() -> None:
    _retype(seal=True)
    _transform(seal=True)


def downgrade() -> None:
    _transform(seal=False)
    _retype(seal=False)
