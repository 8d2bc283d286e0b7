"""Stored generated priority_rank on tickets, indexed for sort=priority

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANK_SQL = (
    "CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 "
    "WHEN 'urgent' THEN 3 ELSE 0 END"
)


def upgrade() -> None:
    # PostgreSQL adds a STORED generated column in place. SQLite can only ADD a VIRTUAL one
    # (a STORED one would mean rebuilding a table other tables reference); SQLite indexes
    # virtual columns just as well.
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column(
        "tickets",
        sa.Column("priority_rank", sa.SmallInteger(), sa.Computed(RANK_SQL, persisted=stored)),
    )
    op.create_index("ix_tickets_priority_rank_id", "tickets", ["priority_rank", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_priority_rank_id", table_name="tickets")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("priority_rank")
