"""Report jobs: a `reports` row per run, executed by a Celery task.

queued -> running -> done | failed, and later expired (the file is deleted after
REPORT_RETENTION_DAYS). The claim `queued -> running` is a conditional UPDATE, so a
redelivered message never runs a job twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.db import read_scope, session_scope
from uanl.core.errors import ValidationFailed
from uanl.core.events import publish
from uanl.core.tasks import enqueue_after_commit, send_now
from uanl.models import (
    Report,
    ReportFormat,
    ReportStatus,
    utcnow,
)
from uanl.reports import formats
from uanl.reports.events import ReportReady
from uanl.reports.sources import Source, build_source, validate_params
from uanl.reports.storage import Storage, get_storage

REPORT_TYPES = ("calls", "tickets", "operators", "custom", "analytics")
RUN_TASK = "uanl.reports.run_job"
TASK_OPTIONS: dict[str, Any] = {"ignore_result": True}
DELIVERY_KEY = "_delivery"
STALE_QUEUED = timedelta(minutes=2)
STALE_RUNNING = timedelta(hours=1)
EXTENSIONS = {"json": "json", "jsonl": "jsonl", "csv": "csv", "xlsx": "xlsx"}


class JobError(Exception):
    """A job that cannot run; the message is stored in `reports.error`."""


def create_job(
    db: Session,
    *,
    report: str,
    format: str,
    params: dict[str, Any],
    requested_by_id: int | None,
    email_to: list[str] | None = None,
    schedule_id: int | None = None,
) -> Report:
    """Validate, insert a queued `reports` row and queue RUN_TASK after commit."""
    if report not in REPORT_TYPES:
        raise ValidationFailed(
            "report", f"unknown report {report!r}; allowed: {', '.join(REPORT_TYPES)}"
        )
    try:
        fmt = ReportFormat(format)
    except ValueError:
        allowed = ", ".join(f.value for f in ReportFormat)
        raise ValidationFailed("format", f"unknown format {format!r}; allowed: {allowed}") from None
    clean = {k: v for k, v in (params or {}).items() if not str(k).startswith("_")}
    try:
        validate_params(db, report, clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["params", *(str(p) for p in err.get("loc", ()))])
        raise ValidationFailed(where, err.get("msg", "invalid")) from None
    except ValidationFailed as exc:
        first = (exc.errors or [{}])[0]
        where = f"params.{first.get('field', report)}"
        raise ValidationFailed(where, first.get("reason", exc.detail)) from None
    stored = dict(clean)
    if email_to:
        stored[DELIVERY_KEY] = {"email_to": list(email_to)}
    row = Report(
        report_type=report,
        parameters=stored,
        format=fmt,
        status=ReportStatus.queued,
        progress=0,
        requested_by_id=requested_by_id,
        schedule_id=schedule_id,
    )
    db.add(row)
    db.flush()
    enqueue_after_commit(db, RUN_TASK, row.id, _options=TASK_OPTIONS)
    return row


# --------------------------------------------------------------------------- running


def _claim(db: Session, report_id: int, now: datetime) -> bool:
    result = db.execute(
        update(Report)
        .where(Report.id == report_id, Report.status == ReportStatus.queued)
        .values(status=ReportStatus.running, started_at=now, progress=5, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


PROGRESS_EVERY = 5000


def _set_progress(report_id: int, percent: int) -> None:
    """Record progress in its own short transaction, so pollers see it while the job runs."""
    with session_scope() as db:
        db.execute(
            update(Report)
            .where(Report.id == report_id, Report.status == ReportStatus.running)
            .values(progress=percent)
            .execution_options(synchronize_session=False)
        )


def _counted(rows: Any, counter: list[int], report_id: int | None, expected: int | None) -> Any:
    """Count rows as they are written; move the job's progress 5 -> 95 along the way."""
    last = 5
    for row in rows:
        counter[0] += 1
        if report_id is not None and expected and counter[0] % PROGRESS_EVERY == 0:
            percent = 5 + int(90 * min(counter[0], expected) / expected)
            if percent > last:
                _set_progress(report_id, percent)
                last = percent
        yield row


def _write(
    storage: Storage, key: str, source: Source, fmt: str, report_id: int | None = None
) -> int:
    counter = [0]
    rows = _counted(source.rows, counter, report_id, source.expected_rows)
    with storage.open_write(key) as fh:
        for chunk in formats.stream(
            rows,
            source.columns,
            fmt,  # type: ignore[arg-type]
            meta=source.meta,
            lang=source.lang,
            bom=fmt == "csv",
            extra=source.extra,
        ):
            fh.write(chunk)
    return counter[0]


def run_job(report_id: int, *, storage: Storage | None = None) -> str:
    """Execute one job (worker side). Commits on its own: claim, then outcome."""
    storage = storage or get_storage()
    with session_scope() as db:
        if not _claim(db, report_id, utcnow()):
            return "skipped"
    key: str | None = None
    try:
        # Read-only: on SQLite a write transaction here would lock out the progress updates.
        with read_scope() as db:
            report = db.get(Report, report_id)
            if report is None:
                return "missing"
            params = {k: v for k, v in report.parameters.items() if not k.startswith("_")}
            fmt = report.format.value
            key = _storage_key(report, fmt)
            source = build_source(db, report.report_type, params)
            count = _write(storage, key, source, fmt, report_id)
        _finish(report_id, key, count, storage)
        return "done"
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
        if not isinstance(exc, JobError | ValidationFailed):
            logger.opt(exception=exc).error("report job {} failed", report_id)
        detail = exc.detail if isinstance(exc, ValidationFailed) else str(exc)
        _fail(
            report_id,
            f"{type(exc).__name__}: {detail}"[:2000] if not isinstance(exc, JobError) else detail,
            key,
            storage,
        )
        return "failed"


def _storage_key(report: Report, fmt: str) -> str:
    now = utcnow()
    return f"{now:%Y/%m}/report-{report.id}-{secrets.token_hex(6)}.{EXTENSIONS[fmt]}"


def _finish(report_id: int, key: str, count: int, storage: Storage) -> None:
    settings = config.get_settings()
    now = utcnow()
    with session_scope() as db:
        report = db.get(Report, report_id)
        assert report is not None
        report.status = ReportStatus.done
        report.progress = 100
        report.row_count = count
        report.file_path = key
        report.file_size = storage.size(key)
        report.finished_at = now
        report.expires_at = now + timedelta(days=settings.report_retention_days)
        report.error = None
        db.flush()
        # The requester's notice and the schedule's e-mails: notifications subscribes.
        publish(db, ReportReady(report.id))


MEDIA = {
    "csv": "text/csv",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment_for(report: Report) -> dict[str, Any] | None:
    """The report's file as an e-mail attachment, if it is small enough to send that way."""
    limit = config.get_settings().report_attachment_max_bytes
    if not report.file_path or report.file_size is None or report.file_size > limit:
        return None
    fmt = report.format.value
    return {
        "storage_key": report.file_path,
        "filename": f"reporte-{report.report_type}-{report.id}.{EXTENSIONS[fmt]}",
        "content_type": MEDIA[fmt],
        "size": report.file_size,
    }


def _fail(report_id: int, error: str, key: str | None, storage: Storage) -> None:
    if key:
        storage.delete(key)
    settings = config.get_settings()
    now = utcnow()
    with session_scope() as db:
        db.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(
                status=ReportStatus.failed,
                error=error,
                finished_at=now,
                file_path=None,
                expires_at=now + timedelta(days=settings.report_retention_days),
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )


# --------------------------------------------------------------------------- signed links
#
# Token: base64url("<report_id>.<expires_unix>.<hmac>"), the HMAC-SHA256 (hex, 40 chars) of
# the report id, the expiry and the file's storage key, keyed by a key derived from
# SECRET_KEY for this purpose only. A link opens one file of one report until it expires;
# the staff API never shows it (`notifications.visibility` redacts it from listings).


def _key() -> bytes:
    secret = config.get_settings().effective_secret_key().encode()
    return hashlib.sha256(b"uanl.report-download.v2:" + secret).digest()


def _signature(report_id: int, expires: int, file_path: str | None) -> str:
    msg = f"report-download:{report_id}:{expires}:{file_path or ''}".encode()
    return hmac.new(_key(), msg, hashlib.sha256).hexdigest()[:40]


def download_token(report: Report) -> str:
    expires = int((report.expires_at or utcnow() + timedelta(days=7)).timestamp())
    raw = f"{report.id}.{expires}.{_signature(report.id, expires, report.file_path)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def check_download_token(token: str, report: Report, now: datetime) -> bool:
    """True if `token` was signed for this report and its current file, and has not expired."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        rid, expires, sig = raw.split(".")
        if int(rid) != report.id or int(expires) < now.timestamp() or not report.file_path:
            return False
        expected = _signature(report.id, int(expires), report.file_path)
        return hmac.compare_digest(sig.encode(), expected.encode())
    except ValueError:  # also binascii.Error and UnicodeDecodeError
        return False


def signed_download_url(report: Report) -> str:
    base = config.get_settings().public_base_url.rstrip("/")
    return f"{base}/api/v1/reports/jobs/{report.id}/download?token={download_token(report)}"


# --------------------------------------------------------------------------- clean-up


def cleanup(db: Session, now: datetime, *, storage: Storage | None = None) -> int:
    """Delete expired files and mark their rows expired; re-queue or fail stuck jobs."""
    storage = storage or get_storage()
    stmt = select(Report.id, Report.file_path).where(
        Report.status.in_([ReportStatus.done, ReportStatus.failed]),
        Report.expires_at.is_not(None),
        Report.expires_at <= now,
    )
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    expired = db.execute(stmt.limit(5000)).all()
    for _, path in expired:
        if path:
            storage.delete(path)
    if expired:
        db.execute(
            update(Report)
            .where(Report.id.in_([rid for rid, _ in expired]))
            .values(status=ReportStatus.expired, file_path=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    db.execute(
        update(Report)
        .where(Report.status == ReportStatus.running, Report.started_at < now - STALE_RUNNING)
        .values(
            status=ReportStatus.failed,
            error="the worker running this job was lost",
            finished_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    stuck = db.scalars(
        select(Report.id).where(
            Report.status == ReportStatus.queued, Report.created_at < now - STALE_QUEUED
        )
    ).all()
    for rid in stuck:
        send_now(RUN_TASK, rid, _options=TASK_OPTIONS)
    return len(expired)
