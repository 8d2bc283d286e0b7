"""encrypt client and operator contact data at rest; blind indexes for lookups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00

Columns become TEXT holding AES-GCM tokens (uanl.core.crypto); existing rows are sealed in
place with the configured keys (DATA_ENCRYPTION_KEYS / BLIND_INDEX_KEY, or the development
keys in the data dir). E-mail and RFC get HMAC blind-index columns that carry the lookups
and the uniqueness the plaintext columns used to carry. The downgrade opens every value
again with the same keys, so it needs them too.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# 0006's SQLite trigger names `operators`: SQLite refuses to rename the rebuilt table under
# it, so batch operations on `operators` run with the trigger dropped and then restored.
SQLITE_AUDIT_TRIGGER = """
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN EXISTS (SELECT 1 FROM operators)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""
# table -> (sealed columns with their plaintext type, blind-indexed columns)
SEALED: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "clients": (
        {
            "rfc": sa.String(length=13),
            "email": sa.String(length=254),
            "phone": sa.String(length=32),
            "address": sa.Text(),
            "notes": sa.Text(),
        },
        ("email", "rfc"),
    ),
    "operators": (
        {"email": sa.String(length=254), "phone": sa.String(length=32)},
        ("email",),
    ),
}


def _batches(bind: sa.Connection, table: str, columns: Sequence[str]) -> Iterator[list[Any]]:
    last = 0
    listed = ", ".join(columns)
    while True:
        rows = bind.execute(
            sa.text(f"SELECT id, {listed} FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}"),
            {"last": last},
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1][0]


def _transform(table: str, *, seal: bool) -> None:
    """Seal (upgrade) or open (downgrade) every value; blind indexes only when sealing."""
    bind = op.get_bind()
    sealed, indexed = SEALED[table]
    columns = list(sealed)
    ring = None
    for rows in _batches(bind, table, columns):
        if ring is None:  # keys are only needed (and generated in dev) if there is data
            from uanl.core.crypto import keyring

            ring = keyring()
        updates = []
        for row in rows:
            values = dict(zip(columns, row[1:], strict=True))
            new: dict[str, Any] = {"id": row[0]}
            for col, value in values.items():
                context = f"{table}.{col}"
                if value is None:
                    new[col] = None
                elif seal:
                    new[col] = ring.encrypt(value, context)
                else:
                    new[col] = ring.decrypt(value, context)
            if seal:
                for col in indexed:
                    new[f"{col}_bidx"] = ring.blind_index(col, values[col])
            updates.append(new)
        targets = [c for c in updates[0] if c != "id"]
        assignments = ", ".join(f"{c} = :{c}" for c in targets)
        bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), updates)


def _is_sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _suspend_audit_trigger() -> None:
    if _is_sqlite():
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _restore_audit_trigger() -> None:
    if _is_sqlite():
        op.execute(SQLITE_AUDIT_TRIGGER)


def upgrade() -> None:
    _suspend_audit_trigger()
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_email"))
        batch_op.drop_constraint(batch_op.f("uq_clients_rfc"), type_="unique")
        batch_op.add_column(sa.Column("rfc_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("email_bidx", sa.String(length=64), nullable=True))
        for name in ("rfc", "email", "phone"):
            batch_op.alter_column(
                name,
                existing_type=SEALED["clients"][0][name],
                type_=sa.Text(),
                existing_nullable=True,
            )
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_operators_email"), type_="unique")
        batch_op.add_column(sa.Column("email_bidx", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "email", existing_type=sa.String(length=254), type_=sa.Text(), existing_nullable=False
        )
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=32), type_=sa.Text(), existing_nullable=True
        )

    _transform("clients", seal=True)
    _transform("operators", seal=True)

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_clients_rfc_bidx"), ["rfc_bidx"])
        batch_op.create_index(batch_op.f("ix_clients_email_bidx"), ["email_bidx"], unique=False)
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.alter_column("email_bidx", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_operators_email_bidx"), ["email_bidx"])
    _restore_audit_trigger()


def downgrade() -> None:
    _suspend_audit_trigger()
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_operators_email_bidx"), type_="unique")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_email_bidx"))
        batch_op.drop_constraint(batch_op.f("uq_clients_rfc_bidx"), type_="unique")

    _transform("clients", seal=False)
    _transform("operators", seal=False)

    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("email_bidx")
        batch_op.alter_column(
            "email", existing_type=sa.Text(), type_=sa.String(length=254), existing_nullable=False
        )
        batch_op.alter_column(
            "phone", existing_type=sa.Text(), type_=sa.String(length=32), existing_nullable=True
        )
        batch_op.create_unique_constraint(batch_op.f("uq_operators_email"), ["email"])
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("email_bidx")
        batch_op.drop_column("rfc_bidx")
        for name in ("rfc", "email", "phone"):
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=SEALED["clients"][0][name],
                existing_nullable=True,
            )
        batch_op.create_unique_constraint(batch_op.f("uq_clients_rfc"), ["rfc"])
        batch_op.create_index(batch_op.f("ix_clients_email"), ["email"], unique=False)
    _restore_audit_trigger()
