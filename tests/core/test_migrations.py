"""Migrations go up, down to base and up again on both backends, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.conftest import ensure_pg_database, pg_url_for_worker, reset_pg_schema
from uanl.core import migrate
from uanl.core.db import build_engine
from uanl.models import Base

SPEC_TABLES = {
    "operators",
    "clients",
    "calls",
    "tickets",
    "scheduled_visits",
    "notifications",
    "reports",
    "watson_activities",
}


def _pg_url() -> str:
    base = pg_url_for_worker()
    url = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_mig"
    ensure_pg_database(url)
    reset_pg_schema(url)
    return url


def _tables(url: str, schema: str | None) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": migrate.include_object}
            )
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_postgres_upgrade_creates_spec_tables_in_schema_uanl_and_round_trips():
    url = _pg_url()
    migrate.upgrade(url=url)
    assert migrate.current_revision(url) == migrate.head_revision()
    tables = _tables(url, "uanl")
    assert SPEC_TABLES <= tables
    assert not (SPEC_TABLES & _tables(url, "public"))
    assert _diff(url) == []  # the models and the migrations describe the same schema
    engine = build_engine(url)
    with engine.connect() as conn:
        names = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = 'uanl'")
            ).scalars()
        )
    engine.dispose()
    assert migrate.DB_ONLY_INDEXES <= names
    migrate.downgrade("base", url=url)
    assert migrate.current_revision(url) is None
    assert _tables(url, "uanl") <= {"alembic_version"}
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, "uanl")


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, None)
    assert _diff(url) == []
    migrate.downgrade("base", url=url)
    assert _tables(url, None) <= {"alembic_version"}
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, None)
    engine = build_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
