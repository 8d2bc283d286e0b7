"""seal Watson replies and errors (they quote the addresses they act on)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:10:00

watson_activities.reply_text ("te llega a ana@x.mx") and .error hold AES-GCM tokens from now
on (uanl.core.crypto, contexts "watson_activities.reply_text" / ".error", same
DATA_ENCRYPTION_KEYS). Both were TEXT already: no retype, existing values are sealed in
place; the downgrade opens them again (same keys needed).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
TABLE = "watson_activities"
COLUMNS = ("reply_text", "error")


def _transform(*, seal: bool) -> None:
    from uanl.core.crypto import keyring

    bind = op.get_bind()
    ring = None
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE} WHERE id > :last "
                f"AND ({' OR '.join(f'{c} IS NOT NULL' for c in COLUMNS)}) "
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
                if value is None:
                    new[name] = None
                elif seal:
                    new[name] = ring.encrypt(value, context)
                else:
                    new[name] = ring.decrypt(value, context)
            updates.append(new)
        assignments = ", ".join(f"{c} = :{c}" for c in COLUMNS)
        bind.execute(sa.text(f"UPDATE {TABLE} SET {assignments} WHERE id = :id"), updates)
        last = rows[-1][0]


def upgrade() -> None:
    _transform(seal=True)


def downgrade() -> None:
    _transform(seal=False)
