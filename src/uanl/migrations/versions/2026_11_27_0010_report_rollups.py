"""Daily report roll-ups, triggers that log the days a write to calls/tickets touched, indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The instants whose local day a row contributes to (see uanl.reports.rollups).
WATCHED = {
    "calls": ["started_at"],
    "tickets": ["created_at", "resolved_at", "first_responded_at", "assigned_at"],
}


def _pg_select(family: str, rows: str) -> str:
    parts = " UNION ".join(
        f"SELECT date_trunc('hour', {c}) FROM {rows} WHERE {c} IS NOT NULL" for c in WATCHED[family]
    )
    return f"INSERT INTO report_dirty (family, at) SELECT '{family}', t FROM ({parts}) AS u(t);"


def _pg_ddl(family: str) -> list[str]:
    # Statement-level triggers with transition tables: one COPY or set-based UPDATE of a
    # million rows logs each touched hour once. `SET search_path FROM CURRENT` pins the
    # schema, so the trigger also works under pg_restore's empty search_path.
    fn = f"report_dirty_{family}"
    body = f"""
CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_pg_select(family, "new_rows")}
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_pg_select(family, "old_rows")}
  END IF;
  RETURN NULL;
END $$;
"""
    return [
        body,
        # TRUNCATE fires no row or DELETE trigger: forget the family's roll-ups instead, so the
        # next refresh rebuilds them from what is left.
        f"CREATE TRIGGER {fn}_trunc AFTER TRUNCATE ON {family} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION report_rollups_forget('{family}')",
        f"CREATE TRIGGER {fn}_ins AFTER INSERT ON {family} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {family} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER {fn}_del AFTER DELETE ON {family} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
    ]


def _sqlite_insert(family: str, row: str) -> str:
    parts = " UNION ".join(f"SELECT {row}.{c} AS t" for c in WATCHED[family])
    return (
        f"INSERT INTO report_dirty (family, at) SELECT '{family}', t FROM ({parts}) "
        "WHERE t IS NOT NULL;"
    )


def _sqlite_ddl(family: str) -> list[str]:
    fn = f"report_dirty_{family}"
    return [
        f"CREATE TRIGGER {fn}_ins AFTER INSERT ON {family} BEGIN "
        f"{_sqlite_insert(family, 'NEW')} END",
        f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {family} BEGIN "
        f"{_sqlite_insert(family, 'OLD')} {_sqlite_insert(family, 'NEW')} END",
        f"CREATE TRIGGER {fn}_del AFTER DELETE ON {family} BEGIN "
        f"{_sqlite_insert(family, 'OLD')} END",
    ]


PG_FORGET = """
CREATE FUNCTION report_rollups_forget() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM report_rollup_state WHERE family = TG_ARGV[0];
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "report_dirty",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_dirty")),
    )
    op.create_index("ix_report_dirty_family_id", "report_dirty", ["family", "id"])
    op.create_table(
        "report_rollups",
        sa.Column("dataset", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("dataset", "day", "key", name=op.f("pk_report_rollups")),
    )
    op.create_table(
        "report_rollup_state",
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("family", name=op.f("pk_report_rollup_state")),
    )
    op.create_index("ix_tickets_assigned_at", "tickets", ["assigned_at"])
    op.create_index("ix_tickets_closed_at", "tickets", ["closed_at"])
    op.create_index("ix_tickets_state_updated_at", "tickets", ["state", "updated_at"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FORGET)
    for family in WATCHED:
        for ddl in _pg_ddl(family) if postgres else _sqlite_ddl(family):
            op.execute(ddl)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for family in WATCHED:
        for suffix in ("ins", "upd", "del", "trunc"):
            if postgres:
                op.execute(f"DROP TRIGGER IF EXISTS report_dirty_{family}_{suffix} ON {family}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS report_dirty_{family}_{suffix}")
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS report_dirty_{family}()")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS report_rollups_forget()")
    op.drop_index("ix_tickets_state_updated_at", table_name="tickets")
    op.drop_index("ix_tickets_closed_at", table_name="tickets")
    op.drop_index("ix_tickets_assigned_at", table_name="tickets")
    op.drop_table("report_rollup_state")
    op.drop_table("report_rollups")
    op.drop_index("ix_report_dirty_family_id", table_name="report_dirty")
    op.drop_table("report_dirty")
