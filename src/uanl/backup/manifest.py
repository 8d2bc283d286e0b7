"""What a backup holds: per-table row counts and checksums, revision and version.

The checksum hashes every row in primary-key order, so a restore that lost, added or
changed a single value shows a different checksum for that table. Values are hashed by
their Python representation as the driver returns them, which is stable for one backend
(compare a PostgreSQL backup with a PostgreSQL restore, SQLite with SQLite).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, inspect, text

SCHEMA = "uanl"
ALEMBIC_TABLE = "alembic_version"


def table_names(conn: Connection) -> list[str]:
    schema = SCHEMA if conn.dialect.name == "postgresql" else None
    return sorted(inspect(conn).get_table_names(schema=schema))


def _order_columns(conn: Connection, table: str) -> list[str]:
    schema = SCHEMA if conn.dialect.name == "postgresql" else None
    insp = inspect(conn)
    pk = insp.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    return list(pk) or [c["name"] for c in insp.get_columns(table, schema=schema)]


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def table_stats(conn: Connection, table: str) -> dict[str, Any]:
    order = ", ".join(_quote(conn, c) for c in _order_columns(conn, table))
    digest = hashlib.sha256()
    rows = 0
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(
        text(f"SELECT * FROM {_quote(conn, table)} ORDER BY {order}")
    )
    for row in result:
        digest.update(repr(tuple(row)).encode())
        digest.update(b"\n")
        rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def database_stats(conn: Connection) -> dict[str, dict[str, Any]]:
    return {name: table_stats(conn, name) for name in table_names(conn)}


def alembic_revision(conn: Connection) -> str | None:
    if ALEMBIC_TABLE not in table_names(conn):
        return None
    return conn.execute(text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalar()


def compare(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """Human-readable differences between two `database_stats` results (empty = equal)."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None or got is None:
            problems.append(f"{name}: {'missing' if got is None else 'unexpected'} table")
        elif want != got:
            problems.append(
                f"{name}: expected {want['rows']} rows ({want['sha256'][:12]}), "
                f"found {got['rows']} ({got['sha256'][:12]})"
            )
    return problems
