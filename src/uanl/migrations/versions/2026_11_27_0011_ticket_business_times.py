"""Business-time first response and resolution on tickets (reports use them where an SLA
applies); existing tickets with a policy are filled in

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 20:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("tickets", sa.Column("first_response_business_s", sa.Float(), nullable=True))
    op.add_column("tickets", sa.Column("resolution_business_s", sa.Float(), nullable=True))
    _backfill()


def _backfill() -> None:
    """Tickets under an SLA policy that were answered or resolved before this migration.

    Core statements on the columns this revision knows (no ORM entity: later revisions may
    add columns, and an UPDATE here must not bump versions or write audit rows)."""
    from types import SimpleNamespace

    from uanl.sla.service import business_seconds_to

    db = Session(bind=op.get_bind())
    t = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("first_responded_at", sa.DateTime(timezone=True)),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
        sa.column("sla_policy_id", sa.Integer),
        sa.column("sla_paused_minutes", sa.Float),
        sa.column("first_response_business_s", sa.Float),
        sa.column("resolution_business_s", sa.Float),
    )
    from uanl.models.base import UTCDateTime

    aware = UTCDateTime()
    dialect = op.get_bind().dialect
    last = 0
    while True:
        rows = db.execute(
            sa.select(
                t.c.id,
                t.c.created_at,
                t.c.first_responded_at,
                t.c.resolved_at,
                t.c.sla_policy_id,
                t.c.sla_paused_minutes,
            )
            .where(
                t.c.id > last,
                t.c.sla_policy_id.is_not(None),
                sa.or_(t.c.first_responded_at.is_not(None), t.c.resolved_at.is_not(None)),
            )
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            created, responded, resolved = (
                aware.process_result_value(_dt(v), dialect)
                for v in (row.created_at, row.first_responded_at, row.resolved_at)
            )
            ticket = SimpleNamespace(
                created_at=created,
                sla_policy_id=row.sla_policy_id,
                sla_paused_minutes=row.sla_paused_minutes,
            )
            updates.append(
                {
                    "tid": row.id,
                    "frb": business_seconds_to(db, ticket, responded) if responded else None,  # type: ignore[arg-type]
                    "rb": business_seconds_to(db, ticket, resolved) if resolved else None,  # type: ignore[arg-type]
                }
            )
        db.execute(
            t.update()
            .where(t.c.id == sa.bindparam("tid"))
            .values(
                first_response_business_s=sa.bindparam("frb"),
                resolution_business_s=sa.bindparam("rb"),
            ),
            updates,
        )
        last = rows[-1].id


def _dt(value: object) -> "datetime | None":
    """SQLite hands back text for a plain table() column; PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of `tickets` would try to copy its
    # generated column `priority_rank`.
    op.drop_column("tickets", "resolution_business_s")
    op.drop_column("tickets", "first_response_business_s")
