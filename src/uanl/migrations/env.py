"""Alembic environment: schema `uanl` on PostgreSQL, plain tables on SQLite."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import text

from uanl.core.crypto import EncryptedText
from uanl.core.db import SCHEMA, build_engine
from uanl.core.migrate import include_object
from uanl.models import Base
from uanl.models.base import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations must not import application types that may change later.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=_render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by uanl.core.migrate"
    engine = build_engine(url)
    is_pg = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        if is_pg:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            connection.execute(text(f"SET search_path TO {SCHEMA}"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=_render_item,
            include_object=include_object,
            version_table_schema=SCHEMA if is_pg else None,
            compare_type=True,
        )
        raw = None if is_pg else connection.connection.dbapi_connection
        if raw is not None:
            # SQLite rebuilds a table to alter it (batch mode): with foreign keys enforced,
            # dropping the old copy fires ON DELETE CASCADE / SET NULL on every table that
            # points at it and live rows are lost. Enforcement is switched off for the
            # migration (it can only change outside a transaction) and the references are
            # checked afterwards instead.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if raw is not None:
                broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                raw.execute("PRAGMA foreign_keys=ON")
        if raw is not None and broken:
            raise RuntimeError(f"migration left dangling references: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
