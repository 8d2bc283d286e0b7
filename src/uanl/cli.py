"""The `uanl` command."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

app = typer.Typer(help="UANL Service Desk API", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _settings():  # type: ignore[no-untyped-def]
    from uanl.core.config import ConfigError, get_settings

    try:
        return get_settings()
    except ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # pydantic ValidationError: bad env values
        _fail(f"Invalid configuration: {exc}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="Also run a Celery worker with beat (one box)")
    ] = False,
) -> None:
    """Serve the API with uvicorn (optionally with a worker and the scheduler beside it)."""
    settings = _settings()
    from uanl.core.logging import setup_logging

    setup_logging(json=settings.is_production, level=settings.log_level)
    from uanl.serving import run_api, signaller, start_worker_process, stop_process

    child = start_worker_process() if with_worker else None
    if child is not None:
        # uvicorn re-raises SIGTERM after its graceful shutdown; make that an exit that runs
        # the `finally` below, so `docker stop`/`timeout` never orphan the worker.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_api(host, port, workers, reload, on_exit=signaller(child) if child else None)
    finally:
        if child is not None:
            stop_process(child)


@app.command()
def worker(
    beat: Annotated[bool, typer.Option("--beat", help="Embed the scheduler (one machine)")] = False,
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
    queues: Annotated[str | None, typer.Option(help="Comma-separated queues")] = None,
) -> None:
    """Run a Celery worker (Redis when REDIS_URL is set, else the embedded transport)."""
    settings = _settings()
    from uanl.worker import configure_celery

    app_ = configure_celery(settings)
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}"]
    if beat:
        argv.append("--beat")
    if queues:
        argv.append(f"--queues={queues}")
    app_.worker_main(argv)


@app.command()
def beat(loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO") -> None:
    """Run the scheduler alone (one per deployment)."""
    settings = _settings()
    from uanl.worker import configure_celery

    app_ = configure_celery(settings)
    app_.start(["beat", f"--loglevel={loglevel}"])


@app.command()
def flower(port: Annotated[int, typer.Option(help="Flower's port")] = 5555) -> None:
    """Flower, the Celery monitor (needs the `flower` package)."""
    settings = _settings()
    from uanl.worker import configure_celery

    app_ = configure_celery(settings)
    try:
        import flower  # noqa: F401
    except ImportError:
        _fail("Flower is not installed: pip install flower")
    app_.start(["flower", f"--port={port}", "--address=127.0.0.1"])


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (PostgreSQL: tables in schema `uanl`)."""
    from uanl.core import migrate

    settings = _settings()
    migrate.upgrade(revision)
    current = migrate.current_revision()
    typer.echo(f"database at {current} ({_safe_url(settings)})")
    if current == migrate.head_revision():
        # Build (first time) or catch up the summary-report roll-ups now rather than in the
        # first report request: ~20 s at a million tickets and five million calls.
        from uanl.reports import rollups

        done = rollups.refresh(settings.tz)
        if any(done.values()):
            days = ", ".join(f"{family} {n} days" for family, n in done.items())
            typer.echo(f"report roll-ups brought up to date: {days}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="'-1' or 'base'")] = "-1") -> None:
    """Revert migrations."""
    from uanl.core import migrate

    _settings()
    migrate.downgrade(revision)
    typer.echo(f"database at {migrate.current_revision() or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the applied revision and the newest one."""
    from uanl.core import migrate

    _settings()
    typer.echo(f"current: {migrate.current_revision() or 'base'}; head: {migrate.head_revision()}")


def _safe_url(settings) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


@app.command("refresh-report-rollups")
def refresh_report_rollups() -> None:
    """Recompute the summary-report roll-ups of the days changed since the last refresh (the
    first run, or a new TIMEZONE, builds them all); beat does this every minute."""
    from uanl.reports import rollups

    settings = _settings()
    done = rollups.refresh(settings.tz)
    typer.echo(", ".join(f"{family}: {days} days recomputed" for family, days in done.items()))


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Login e-mail")],
    password: Annotated[
        str,
        typer.Option(
            help="At least 10 characters, 3 character classes",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
        ),
    ],
    name: Annotated[str, typer.Option(help="Display name")] = "Administrador",
) -> None:
    """Create an admin, or make an existing account admin again (idempotent)."""
    from uanl.core.security import WeakPassword, check_password_strength
    from uanl.operators.admin import ensure_admin

    _settings()
    try:
        check_password_strength(password, email=email)
    except WeakPassword as exc:
        _fail(f"Refused: the password {exc}.")
    created = ensure_admin(email, password, name)
    typer.echo(f"admin {email} {'created' if created else 'already existed: updated'}")


@app.command("seed-demo")
def seed_demo(
    tickets: Annotated[int, typer.Option(help="How many tickets")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 42,
    days: Annotated[int, typer.Option(help="History length in days")] = 120,
    force: Annotated[bool, typer.Option(help="Seed even if data exists")] = False,
    calls_per_ticket: Annotated[
        float, typer.Option(help="Calls generated per ticket (benchmarks use 5)", min=0)
    ] = 3.0,
    now: Annotated[
        str | None,
        typer.Option(
            help="Reference instant, ISO 8601 with offset (default: now); no row after it"
        ),
    ] = None,
) -> None:
    """Load a realistic demo dataset (Mexican companies, operators, calls, tickets)."""
    from datetime import datetime

    from uanl.demo.seed import seed_database

    _settings()
    reference = None
    if now is not None:
        try:
            reference = datetime.fromisoformat(now)
        except ValueError:
            _fail(f"--now: not an ISO 8601 instant: {now!r}")
        if reference is None or reference.tzinfo is None:
            _fail("--now needs a UTC offset, e.g. 2026-12-06T23:30-06:00")
    summary = seed_database(
        tickets=tickets,
        seed=seed,
        days=days,
        force=force,
        now=reference,
        calls_per_ticket=calls_per_ticket,
    )
    typer.echo(summary)


@app.command("demo-credentials")
def demo_credentials_cmd() -> None:
    """Print the demo accounts' login (development data only)."""
    from uanl.demo.seed import demo_credentials

    _settings()
    creds = demo_credentials()
    if creds is None:
        typer.echo("No demo data loaded yet: run `uanl seed-demo`.")
        return
    email, password = creds
    typer.secho("Demo login (DEVELOPMENT ONLY):", bold=True)
    typer.echo(f"  admin: {email}  password: {password}")
    typer.echo("  supervisor: supervisora@demo.uanl.mx and operators *@demo.uanl.mx, same password")


@app.command("backup")
def backup_cmd(
    directory: Annotated[
        str | None, typer.Option("--dir", help="Where to write (default BACKUP_DIR)")
    ] = None,
    keep: Annotated[
        int | None, typer.Option(help="Then keep only the newest N backups there", min=1)
    ] = None,
) -> None:
    """Back up the database (pg_dump custom format, or SQLite's online backup) + manifest."""
    from pathlib import Path

    from uanl.backup.service import BackupError, create_backup, prune

    settings = _settings()
    try:
        result = create_backup(settings, Path(directory) if directory else None)
    except BackupError as exc:
        _fail(f"Backup failed: {exc}")
    tables = result.manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    typer.echo(f"{result.path} ({len(tables)} tables, {rows} rows)")
    typer.echo(f"manifest: {result.manifest_path}")
    if keep is not None:
        removed = prune(result.path.parent, keep=keep, max_age_days=settings.backup_max_age_days)
        typer.echo(f"retention: kept the newest {keep}, removed {len(removed)}")


@app.command("restore")
def restore_cmd(
    file: Annotated[str, typer.Argument(help="A .dump (PostgreSQL) or .sqlite3 backup")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Restore here instead of DATABASE_URL"),
    ] = None,
) -> None:
    """Replace a database's contents with a backup, then verify it against the manifest.

    Stop the API, workers and beat first: a restore replaces every table."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from uanl.backup.service import BackupError, restore_backup

    settings = _settings()
    url = database_url or settings.effective_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    if not yes and not typer.confirm(
        f"This REPLACES all data in {shown} with {file}. Continue?", default=False
    ):
        _fail("Restore cancelled: nothing was changed (pass --yes to skip this question).")
    try:
        result = restore_backup(settings, Path(file), url)
    except BackupError as exc:
        _fail(f"Restore failed: {exc}")
    typer.echo(f"restored {result.tables} tables, {result.rows} rows into {result.database}")
    if result.problems:
        _fail("Verification against the manifest FAILED:\n  " + "\n  ".join(result.problems))
    typer.echo("verified: every table matches the manifest (row counts and checksums)")


keys_app = typer.Typer(help="Encryption keys for contact data at rest", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random key (for DATA_ENCRYPTION_KEYS or BLIND_INDEX_KEY)."""
    from uanl.core.crypto import generate_key

    typer.echo(generate_key())


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Rows per transaction", min=1)] = 500,
) -> None:
    """Re-encrypt every value with the primary (first) key and refresh the blind indexes.

    Put the new key first in DATA_ENCRYPTION_KEYS and keep the old ones after it, run this,
    then drop the old keys. Safe to run again: values already under the primary key are
    left as they are.
    """
    from uanl.backup.keyrotation import rotate
    from uanl.core.crypto import CryptoError

    _settings()
    try:
        reports = rotate(batch_size=batch_size)
    except CryptoError as exc:
        _fail(f"Rotation stopped: {exc}")
    for report in reports:
        typer.echo(str(report))


watson_app = typer.Typer(help="Watson Orchestrate / Assistant integration", no_args_is_help=True)
app.add_typer(watson_app, name="watson")


@watson_app.command("export-openapi")
def watson_export_openapi(
    file: Annotated[str, typer.Argument(help="Where to write the JSON ('-' for stdout)")],
) -> None:
    """Write the OpenAPI 3.0.3 tools document that watsonx Orchestrate imports."""
    import json
    from pathlib import Path

    from uanl.watson.openapi import build_openapi

    settings = _settings()
    text = json.dumps(build_openapi(settings.public_base_url), indent=2, ensure_ascii=False)
    if file == "-":
        typer.echo(text)
        return
    Path(file).write_text(text + "\n", encoding="utf-8")
    typer.echo(f"Wrote {file} (server {settings.public_base_url})")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
