"""`uanl keys rotate`: re-seal every encrypted value with the primary key, refresh blind indexes.

Walks every table that has encrypted columns in primary-key order (the stored
Idempotency-Key replay bodies included), one transaction per batch (rows
locked with FOR UPDATE on PostgreSQL, so a concurrent edit waits instead of being lost).
Values already under the primary key are only checked (decrypted), not rewritten, so a
second run changes nothing. Blind indexes are recomputed from the plaintext: after a change
of BLIND_INDEX_KEY this run is what makes e-mail/RFC lookups find the old rows again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, Text, select, tuple_, type_coerce, update

from uanl.core.crypto import EncryptedText, Keyring, keyring
from uanl.core.db import session_scope
from uanl.models import Base

DEFAULT_BATCH = 500


@dataclass
class TableRotation:
    table: str
    rows: int = 0
    values: int = 0
    reencrypted: int = 0
    reindexed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.table}: {self.rows} rows, {self.values} encrypted values checked, "
            f"{self.reencrypted} re-encrypted with the primary key, "
            f"{self.reindexed} blind indexes updated"
        )


def encrypted_tables() -> list[tuple[Table, list[Column[Any]]]]:
    found = []
    for table in Base.metadata.sorted_tables:
        sealed = [c for c in table.c if isinstance(c.type, EncryptedText)]
        if sealed:
            found.append((table, sealed))
    return found


def rotate(batch_size: int = DEFAULT_BATCH) -> list[TableRotation]:
    ring = keyring()
    return [_rotate_table(ring, table, sealed, batch_size) for table, sealed in encrypted_tables()]


def _rotate_table(
    ring: Keyring, table: Table, sealed: list[Column[Any]], batch_size: int
) -> TableRotation:
    report = TableRotation(table.name)
    indexes = {c.name: table.c[f"{c.name}_bidx"] for c in sealed if f"{c.name}_bidx" in table.c}
    # Read the stored tokens as plain text: the column type would decrypt them.
    raw = [type_coerce(c, Text()).label(c.name) for c in sealed]
    # Batches walk the primary key: `id` mostly, (key, scope) for idempotency_keys.
    pk = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        with session_scope() as db:
            stmt = select(*pk, *raw, *indexes.values())
            if last is not None:
                stmt = stmt.where(tuple_(*pk) > tuple_(*last))
            rows = db.execute(stmt.order_by(*pk).limit(batch_size).with_for_update()).all()
            if not rows:
                return report
            for row in rows:
                changes = _row_changes(ring, row._mapping, sealed, indexes, report)
                if changes:
                    match = [c == row._mapping[c.name] for c in pk]
                    db.execute(update(table).where(*match).values(changes))
            report.rows += len(rows)
            last = tuple(rows[-1]._mapping[c.name] for c in pk)


def _row_changes(
    ring: Keyring,
    row: Any,
    sealed: list[Column[Any]],
    indexes: dict[str, Column[Any]],
    report: TableRotation,
) -> dict[Any, Any]:
    changes: dict[Any, Any] = {}
    for column in sealed:
        context = column.type.context  # type: ignore[attr-defined]
        token = row[column.name]
        plain = None
        if token is not None:
            report.values += 1
            plain = ring.decrypt(token, context)  # raises CryptoError on unknown key/tamper
            if ring.needs_rotation(token, context):
                changes[column] = type_coerce(ring.encrypt(plain, context), Text())
                report.reencrypted += 1
        index_column = indexes.get(column.name)
        if index_column is not None:
            digest = ring.blind_index(column.name, plain)
            if digest != row[index_column.name]:
                changes[index_column] = digest
                report.reindexed += 1
    return changes
