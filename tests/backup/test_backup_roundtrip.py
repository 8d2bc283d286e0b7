"""Backups on the real backends: pg_dump/pg_restore on PostgreSQL, SQLite's backup API.

The round trip restores into a database that did not exist before the test and compares
every table's row count and checksum with the source and with the manifest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from uanl.backup import manifest as mf
from uanl.backup.service import create_backup, list_backups, prune, restore_backup
from uanl.cli import app as cli
from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.demo.seed import seed_database


def _stats(url: str) -> dict:
    engine = dbmod.build_engine(url)
    try:
        with engine.connect() as conn:
            return mf.database_stats(conn)
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(backend, tmp_path):
    """A database that does not exist yet: a new SQLite file or a new PostgreSQL database."""
    if backend.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    source = make_url(backend.url)
    name = f"{source.database}_restore"
    admin = source.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def seeded(app, settings):
    seed_database(tickets=60, seed=7, days=20, force=True)
    return settings


def test_round_trip_into_a_fresh_database(seeded, backend, fresh_url, tmp_path):
    source_stats = _stats(backend.url)
    assert source_stats["tickets"]["rows"] == 60 and source_stats["operators"]["rows"] > 1
    result = create_backup(seeded, tmp_path / "backups")

    suffix = ".dump" if backend.name == "postgres" else ".sqlite3"
    assert result.path.suffix == suffix and result.path.stat().st_size > 0
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["tables"] == source_stats
    assert manifest["alembic_revision"] == migrate.head_revision()
    assert manifest["app_version"] and manifest["created_at"].endswith("+00:00")

    restored = restore_backup(seeded, result.path, fresh_url)
    assert restored.problems == []
    assert restored.rows == sum(t["rows"] for t in source_stats.values())
    # Checked independently of the restore's own verification:
    assert _stats(fresh_url) == source_stats
    assert migrate.current_revision(fresh_url) == migrate.head_revision()

    # The checksums notice a single changed value, not only a missing row.
    engine = dbmod.build_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE tickets SET title = title || '!' WHERE id = (SELECT min(id) FROM tickets)")
        )
    engine.dispose()
    changed = mf.compare(manifest["tables"], _stats(fresh_url))
    # The update also logs its day for the report roll-ups (a trigger): two tables differ.
    assert len(changed) == 2, changed
    assert changed[0].startswith("report_dirty: expected")
    assert changed[1].startswith("tickets: expected 60 rows")


def test_restore_command_replaces_the_configured_database(seeded, backend, tmp_path):
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    backup_file = Path(made.output.split(" (")[0])
    before = _stats(backend.url)

    with dbmod.session_scope() as db:
        db.execute(text("DELETE FROM ticket_tags"))
        db.execute(text("UPDATE clients SET name = 'cambiado'"))
    assert _stats(backend.url) != before

    refused = runner.invoke(cli, ["restore", str(backup_file)], input="n\n")
    assert refused.exit_code == 1 and "cancelled" in refused.output
    assert _stats(backend.url) != before  # nothing restored

    done = runner.invoke(cli, ["restore", str(backup_file), "--yes"])
    assert done.exit_code == 0, done.output
    assert "verified" in done.output
    if backend.name == "sqlite":
        # The pooled connections that knew the replaced file (and its WAL index) are gone.
        assert dbmod.get_engine().pool.checkedin() == 0
    assert _stats(backend.url) == before


def test_retention_keeps_the_newest_and_drops_the_old(seeded, tmp_path):
    folder = tmp_path / "kept"
    t0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    made = [create_backup(seeded, folder, now=t0 + timedelta(days=i)).path for i in range(4)]
    assert [p for p, _ in list_backups(folder)] == made[::-1]

    assert prune(folder, keep=3) == [made[0]]
    assert not made[0].exists() and not made[0].with_suffix(".json").exists()

    # Age: older than 1 day at t0+3d goes (t0+1d), the newest always stays.
    assert prune(folder, keep=10, max_age_days=1, now=t0 + timedelta(days=3)) == [made[1]]
    assert prune(folder, keep=10, max_age_days=1, now=t0 + timedelta(days=30)) == [made[2]]
    assert [p for p, _ in list_backups(folder)] == [made[3]]

    # The command applies --keep after writing.
    result = CliRunner().invoke(cli, ["backup", "--dir", str(folder), "--keep", "1"])
    assert result.exit_code == 0 and "removed 1" in result.output, result.output
    assert len(list_backups(folder)) == 1


def test_beat_runs_the_backup_daily():
    from celery.schedules import crontab

    from uanl.worker import BEAT_SCHEDULE, celery_app

    entry = BEAT_SCHEDULE["database-backup"]
    assert entry["task"] == "uanl.backup.run"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {15}
    celery_app.loader.import_default_modules()
    assert "uanl.backup.run" in celery_app.tasks
