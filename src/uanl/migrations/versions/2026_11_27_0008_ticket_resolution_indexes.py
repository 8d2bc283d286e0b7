"""Indexes on tickets.resolved_at and first_responded_at (covering on PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESOLVED_INCLUDE = ["created_at", "sla_status", "csat_score", "priority", "category", "client_id"]
RESPONDED_INCLUDE = ["created_at", "priority", "category", "client_id", "assignee_id"]


def upgrade() -> None:
    op.create_index(
        "ix_tickets_resolved_at",
        "tickets",
        ["resolved_at"],
        postgresql_include=RESOLVED_INCLUDE,
    )
    op.create_index(
        "ix_tickets_first_responded_at",
        "tickets",
        ["first_responded_at"],
        postgresql_include=RESPONDED_INCLUDE,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_first_responded_at", table_name="tickets")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
