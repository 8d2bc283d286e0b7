"""Run Alembic from inside the package, so `uanl db upgrade` works from any directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from uanl.core.config import get_settings, normalise_database_url
from uanl.core.db import SCHEMA, build_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Indexes that exist only in PostgreSQL migrations (expression/GIN), not in the models.
DB_ONLY_INDEXES = {"ix_tickets_title_trgm", "ix_tickets_description_trgm"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate filter: never propose dropping the database-only indexes."""
    return not (type_ == "index" and name in DB_ONLY_INDEXES)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    db_url = normalise_database_url(url or get_settings().effective_database_url)
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head", url: str | None = None) -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str = "-1", url: str | None = None) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    engine = build_engine(url or get_settings().effective_database_url)
    try:
        return revision_of(engine)
    finally:
        engine.dispose()


def revision_of(engine: Engine) -> str | None:
    """The applied revision, read through an existing engine (None: not migrated)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            exists = conn.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": SCHEMA},
            ).first()
            if not exists:
                return None
        ctx = MigrationContext.configure(
            conn,
            opts={"version_table_schema": SCHEMA} if engine.dialect.name == "postgresql" else {},
        )
        return ctx.get_current_revision()
