"""Back up and restore the database; keep the newest backups, prune the rest.

PostgreSQL: `pg_dump --format=custom` of schema `uanl`, taken in the same exported snapshot
as the manifest's row counts and checksums (so they describe exactly what was dumped);
restore with `pg_restore --clean --if-exists --single-transaction`.
SQLite (embedded): the online backup API, which copies a consistent image while the API
and worker keep writing; restore copies the image back the same way.

Each backup `uanl-<UTC time>-<backend>.<dump|sqlite3>` has a manifest `<same name>.json`
beside it, written last: a backup without its manifest is incomplete and is ignored.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from uanl import __version__
from uanl.backup import manifest as mf
from uanl.core.config import Settings, normalise_database_url
from uanl.core.db import build_engine, release_connections_to

PREFIX = "uanl-"
EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite3"}
# Extensions the migrations create; pg_dump -n leaves them out unless named.
PG_EXTENSIONS = ("pg_trgm",)


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


@dataclass
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    database: str
    tables: int
    rows: int
    problems: list[str] = field(default_factory=list)


def backup_dir(settings: Settings) -> Path:
    path = (settings.backup_dir or settings.data_dir / "backups").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in EXTENSIONS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {name}")
    return name


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z"


def create_backup(
    settings: Settings, directory: Path | None = None, *, now: datetime | None = None
) -> BackupResult:
    url = settings.effective_database_url
    backend = _backend(url)
    now = now or datetime.now(UTC)
    folder = directory.expanduser().resolve() if directory else backup_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{PREFIX}{_stamp(now)}-{backend}"
    final = folder / (stem + EXTENSIONS[backend])
    partial = final.with_name(final.name + ".partial")
    try:
        if backend == "postgresql":
            stats, revision = _pg_dump(settings, url, partial)
        else:
            stats, revision = _sqlite_copy(url, partial)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    manifest = {
        "format": 1,
        "file": final.name,
        "backend": backend,
        "created_at": now.isoformat(),
        "app_version": __version__,
        "alembic_revision": revision,
        "size_bytes": final.stat().st_size,
        "tables": stats,
    }
    manifest_path = folder / (stem + ".json")
    tmp = manifest_path.with_name(manifest_path.name + ".partial")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, manifest_path)
    logger.info(
        "backup {} written: {} tables, {} rows, {} bytes",
        final,
        len(stats),
        sum(t["rows"] for t in stats.values()),
        manifest["size_bytes"],
    )
    return BackupResult(final, manifest_path, manifest)


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_tool(settings: Settings, name: str) -> str:
    """pg_dump / pg_restore: BACKUP_PG_BIN_DIR, else PATH, else the newest Debian install."""
    if settings.backup_pg_bin_dir:
        candidate = Path(settings.backup_pg_bin_dir) / name
        if candidate.exists():
            return str(candidate)
        raise BackupError(f"{candidate} does not exist (BACKUP_PG_BIN_DIR)")
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]),
    )
    if installed:
        return installed[-1]
    raise BackupError(f"{name} not found: install the PostgreSQL client or set BACKUP_PG_BIN_DIR")


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and an environment carrying it (not in argv)."""
    parsed: URL = make_url(normalise_database_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {proc.stderr.strip()[-2000:]}")


def _pg_dump(settings: Settings, url: str, dest: Path) -> tuple[dict[str, Any], str | None]:
    target, env = libpq_target(url)
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                installed = set(
                    conn.execute(
                        text("SELECT extname FROM pg_extension WHERE extname = ANY(:n)"),
                        {"n": list(PG_EXTENSIONS)},
                    ).scalars()
                )
                args = [
                    pg_tool(settings, "pg_dump"),
                    "--format=custom",
                    f"--schema={mf.SCHEMA}",
                    *(f"--extension={name}" for name in sorted(installed)),
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dest}",
                    f"--dbname={target}",
                ]
                _run(args, env)  # the snapshot lives as long as this transaction
                stats = mf.database_stats(conn)
                revision = mf.alembic_revision(conn)
    finally:
        engine.dispose()
    return stats, revision


def _pg_restore(settings: Settings, url: str, source: Path) -> None:
    target, env = libpq_target(url)
    args = [
        pg_tool(settings, "pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={target}",
        str(source),
    ]
    _run(args, env)


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_file_stats(path: Path) -> tuple[dict[str, Any], str | None]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return mf.database_stats(conn), mf.alembic_revision(conn)
    finally:
        engine.dispose()


def _sqlite_copy_file(source: Path, dest: Path, *, journal_mode: str) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(dest, timeout=30)
    try:
        src.backup(dst)  # a consistent image, even while others write to the source
        dst.execute(f"PRAGMA journal_mode={journal_mode}")
    finally:
        dst.close()
        src.close()


def _sqlite_copy(url: str, dest: Path) -> tuple[dict[str, Any], str | None]:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    # A backup file is one self-contained file (no -wal beside it).
    _sqlite_copy_file(source, dest, journal_mode="DELETE")
    return _sqlite_file_stats(dest)


# --- Restore ------------------------------------------------------------------------------


def manifest_for(backup_file: Path) -> dict[str, Any] | None:
    path = backup_file.with_suffix(".json")
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def restore_backup(settings: Settings, backup_file: Path, url: str | None = None) -> RestoreResult:
    """Replace the database at `url` (default: the configured one) with the backup's data,
    then check every table against the manifest."""
    url = normalise_database_url(url or settings.effective_database_url)
    backend = _backend(url)
    backup_file = backup_file.expanduser().resolve()
    if not backup_file.exists():
        raise BackupError(f"{backup_file} does not exist")
    manifest = manifest_for(backup_file)
    if manifest is not None and manifest.get("backend") != backend:
        raise BackupError(
            f"{backup_file.name} is a {manifest.get('backend')} backup; "
            f"the target database is {backend}"
        )
    if backend == "postgresql":
        _pg_restore(settings, url, backup_file)
        engine = build_engine(url)
        try:
            with engine.connect() as conn:
                stats = mf.database_stats(conn)
        finally:
            engine.dispose()
    else:
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        release_connections_to(url)
        _sqlite_copy_file(backup_file, target, journal_mode="WAL")
        release_connections_to(url)  # nothing opened meanwhile keeps the old file's state
        stats, _ = _sqlite_file_stats(target)
    problems = mf.compare(manifest["tables"], stats) if manifest else ["no manifest to verify"]
    shown = make_url(url).render_as_string(hide_password=True)
    return RestoreResult(
        database=shown,
        tables=len(stats),
        rows=sum(t["rows"] for t in stats.values()),
        problems=problems,
    )


# --- Retention ----------------------------------------------------------------------------


def list_backups(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Complete backups (data file and manifest), newest first."""
    found = []
    for manifest_path in directory.glob(f"{PREFIX}*.json"):
        try:
            data = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data_file = directory / str(data.get("file", ""))
        if data_file.is_file():
            found.append((data_file, data))
    return sorted(found, key=lambda item: item[1]["created_at"], reverse=True)


def prune(
    directory: Path, *, keep: int, max_age_days: int = 0, now: datetime | None = None
) -> list[Path]:
    """Delete all but the newest `keep` backups, and those older than `max_age_days` (when
    set); the newest backup always stays. Returns the deleted data files."""
    now = now or datetime.now(UTC)
    deleted = []
    for index, (data_file, data) in enumerate(list_backups(directory)):
        too_many = index >= max(keep, 1)
        age = now - datetime.fromisoformat(data["created_at"])
        too_old = index > 0 and max_age_days > 0 and age > timedelta(days=max_age_days)
        if too_many or too_old:
            data_file.unlink(missing_ok=True)
            data_file.with_suffix(".json").unlink(missing_ok=True)
            deleted.append(data_file)
    if deleted:
        logger.info("backup retention removed {} old backups from {}", len(deleted), directory)
    return deleted


def backup_and_prune(settings: Settings) -> BackupResult:
    result = create_backup(settings)
    prune(
        result.path.parent,
        keep=settings.backup_keep,
        max_age_days=settings.backup_max_age_days,
    )
    return result
