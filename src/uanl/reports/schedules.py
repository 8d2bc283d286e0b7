"""Scheduled reports: CRUD rules and the beat sweep that turns due schedules into jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loguru import logger
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.core.errors import ValidationFailed
from uanl.core.schemas import NoNul
from uanl.models import ReportFormat, ReportSchedule
from uanl.reports import jobs
from uanl.reports.recurrence import next_occurrence, to_cron
from uanl.reports.sources import validate_params

MAX_DUE_PER_SWEEP = 500


class ScheduleIn(NoNul):  # NoNul: no field accepts U+0000 (422, not a 500)
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    report_type: str
    format: ReportFormat = ReportFormat.xlsx
    params: dict[str, Any] = Field(default_factory=dict)
    recurrence: dict[str, Any]
    timezone: str | None = None
    recipients: list[EmailStr] = Field(default_factory=list, max_length=50)
    is_active: bool = True


class ScheduleUpdate(NoNul):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=120)
    report_type: str | None = None
    format: ReportFormat | None = None
    params: dict[str, Any] | None = None
    recurrence: dict[str, Any] | None = None
    timezone: str | None = None
    recipients: list[EmailStr] | None = Field(None, max_length=50)
    is_active: bool | None = None


class ScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    report_type: str
    format: ReportFormat
    params: dict[str, Any] = Field(validation_alias="parameters")
    recurrence: dict[str, Any]
    timezone: str
    recipients: list[str]
    is_active: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


def _check(db: Session, s: ReportSchedule) -> None:
    if s.report_type not in jobs.REPORT_TYPES:
        allowed = ", ".join(jobs.REPORT_TYPES)
        raise ValidationFailed(
            "report_type", f"unknown report {s.report_type!r}; allowed: {allowed}"
        )
    try:
        ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("timezone", f"{s.timezone!r} is not an IANA time zone") from None
    to_cron(s.recurrence)
    try:
        validate_params(db, s.report_type, s.parameters)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["params", *(str(p) for p in err.get("loc", ()))])
        raise ValidationFailed(where, err.get("msg", "invalid")) from None
    except ValidationFailed as exc:
        field = exc.errors[0]["field"] if exc.errors else "params"
        raise ValidationFailed(
            f"params.{field}", exc.errors[0]["reason"] if exc.errors else exc.detail
        ) from None


def create(
    db: Session, data: ScheduleIn, *, by_id: int, default_tz: str, now: datetime
) -> ReportSchedule:
    s = ReportSchedule(
        name=data.name,
        report_type=data.report_type,
        format=data.format,
        parameters=data.params,
        recurrence=data.recurrence,
        timezone=data.timezone or default_tz,
        recipients=[str(r) for r in data.recipients],
        is_active=data.is_active,
        created_by_id=by_id,
    )
    _check(db, s)
    s.next_run_at = next_occurrence(s.recurrence, s.timezone, now)
    db.add(s)
    db.flush()
    return s


def update(
    db: Session, s: ReportSchedule, data: ScheduleUpdate, *, now: datetime
) -> ReportSchedule:
    values = data.model_dump(exclude_unset=True)
    for key, value in values.items():
        if value is None and key != "timezone":
            raise ValidationFailed(key, "may not be null")
        if key == "params":
            s.parameters = value
        elif key == "recipients":
            s.recipients = [str(r) for r in value]
        elif value is not None:
            setattr(s, key, value)
    _check(db, s)
    if {"recurrence", "timezone", "is_active"} & set(values):
        s.next_run_at = next_occurrence(s.recurrence, s.timezone, now)
    db.flush()
    return s


def run_due(db: Session, now: datetime) -> list[int]:
    """Queue one job per due schedule and move each to its next occurrence AFTER now.

    A schedule whose runs were missed while the service was down is due once: it runs once
    and jumps past every missed occurrence, so there is no burst of duplicates.
    """
    stmt = (
        select(ReportSchedule)
        .where(ReportSchedule.is_active.is_(True), ReportSchedule.next_run_at <= now)
        .order_by(ReportSchedule.next_run_at)
        .limit(MAX_DUE_PER_SWEEP)
    )
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    created: list[int] = []
    for s in db.scalars(stmt).all():
        try:
            job = jobs.create_job(
                db,
                report=s.report_type,
                format=s.format.value,
                params=dict(s.parameters or {}),
                requested_by_id=s.created_by_id,
                email_to=list(s.recipients or []),
                schedule_id=s.id,
            )
            created.append(job.id)
        except ValidationFailed as exc:  # the schedule went stale (e.g. a renamed column)
            logger.warning("schedule {} skipped: {}", s.id, exc.detail)
        s.last_run_at = now
        s.next_run_at = next_occurrence(s.recurrence, s.timezone, now)
    db.flush()
    return created
