"""Trigram indexes for the tickets `q` filter (PostgreSQL only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `q` filters with lower(col) LIKE '%text%'; only trigram GIN indexes serve that.
INDEXES = {
    "ix_tickets_title_trgm": "lower(title)",
    "ix_tickets_description_trgm": "lower(description)",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+); where it still cannot be created the
    # search works, just without the index.
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:
            savepoint.rollback()
            print("pg_trgm not available: ticket text search will not be indexed")
            return
    for name, expr in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets USING gin ({expr} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
