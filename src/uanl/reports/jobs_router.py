"""HTTP for report jobs and scheduled reports (`/reports/jobs`, `/reports/schedules`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.api.deps import (
    DB,
    AdminOnly,
    AnyStaff,
    PathId,
    SupervisorOrAdmin,
    oauth2_scheme,
    operator_for_token,
)
from uanl.api.listing import Paging, page_of
from uanl.core import config
from uanl.core.crud import get_or_404
from uanl.core.errors import Conflict, Forbidden, NotFound
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.core.schemas import NoNul
from uanl.models import Operator, Report, ReportFormat, ReportSchedule, ReportStatus, Role, utcnow
from uanl.reports import jobs, schedules
from uanl.reports.formats import MEDIA_TYPES
from uanl.reports.storage import get_storage

router = SlashRouter(prefix="/reports", tags=["reports"])


class JobIn(NoNul):  # NoNul: no field accepts U+0000 (422, not a 500)
    model_config = ConfigDict(extra="forbid")

    report: str
    format: ReportFormat = ReportFormat.csv
    params: dict[str, Any] = Field(default_factory=dict)


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    report: str = Field(validation_alias="report_type")
    format: ReportFormat
    status: ReportStatus
    progress: int
    row_count: int | None
    file_size: int | None
    error: str | None
    requested_by_id: int | None
    schedule_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    download_url: str | None = None


def _read(report: Report) -> JobRead:
    out = JobRead.model_validate(report)
    if report.status == ReportStatus.done:
        out.download_url = f"/api/v1/reports/jobs/{report.id}/download"
    return out


def _is_manager(op: Operator) -> bool:
    return op.role in (Role.admin, Role.supervisor)


def _visible(db: Session, report_id: int, op: Operator) -> Report:
    report = db.get(Report, report_id)
    if report is None:
        raise NotFound(f"report job {report_id} does not exist")
    if not _is_manager(op) and report.requested_by_id != op.id:
        raise Forbidden("only the creator or a supervisor can see this report job")
    return report


@router.post("/jobs", status_code=202, response_model=JobRead, summary="Queue a report job")
def create_job(db: DB, op: SupervisorOrAdmin, body: JobIn, response: Response) -> JobRead:
    """Supervisors and admins, like the reports themselves: a job is any report, run later."""
    report = jobs.create_job(
        db, report=body.report, format=body.format.value, params=body.params, requested_by_id=op.id
    )
    response.headers["Location"] = f"/api/v1/reports/jobs/{report.id}"
    return _read(report)


@router.get("/jobs", response_model=Page[JobRead], summary="Report jobs (mine; all for managers)")
def list_jobs(
    db: DB,
    op: AnyStaff,
    page: Paging,
    status: ReportStatus | None = None,
    report: str | None = None,
    mine: bool = False,
) -> Page[JobRead]:
    stmt = select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if mine or not _is_manager(op):
        stmt = stmt.where(Report.requested_by_id == op.id)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if report is not None:
        stmt = stmt.where(Report.report_type == report)
    return page_of(db, stmt, page, _read)


@router.get("/jobs/{report_id}", response_model=JobRead, summary="One report job")
def get_job(db: DB, op: AnyStaff, report_id: PathId) -> JobRead:
    return _read(_visible(db, report_id, op))


@router.get("/jobs/{report_id}/download", summary="Download a finished report's file")
def download(
    db: DB,
    report_id: PathId,
    bearer: Annotated[str | None, Depends(oauth2_scheme)] = None,
    token: Annotated[
        str | None, Query(max_length=512, description="Signed link from an e-mail")
    ] = None,
) -> StreamingResponse:
    if token and not bearer:
        report = db.get(Report, report_id)
        if report is None or not jobs.check_download_token(token, report, utcnow()):
            raise Forbidden("this download link is invalid or has expired")
    else:
        report = _visible(db, report_id, operator_for_token(db, bearer))
    if report.status != ReportStatus.done or not report.file_path:
        raise Conflict(f"report job {report_id} is {report.status.value}, not done")
    storage = get_storage()
    fh = storage.open_read(report.file_path)

    def chunks() -> Any:
        with fh:
            while data := fh.read(64 * 1024):
                yield data

    fmt = report.format.value
    name = f"{report.report_type}-{report.id}.{jobs.EXTENSIONS[fmt]}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(report.file_size or storage.size(report.file_path)),
    }
    return StreamingResponse(chunks(), media_type=MEDIA_TYPES[fmt], headers=headers)


# --------------------------------------------------------------------------- schedules


def _schedule(db: Session, schedule_id: int) -> ReportSchedule:
    return get_or_404(db, ReportSchedule, schedule_id, "report schedule")


@router.post("/schedules", status_code=201, response_model=schedules.ScheduleRead)
def create_schedule(
    db: DB, op: AdminOnly, body: schedules.ScheduleIn, response: Response
) -> schedules.ScheduleRead:
    s = schedules.create(
        db, body, by_id=op.id, default_tz=config.get_settings().timezone, now=utcnow()
    )
    response.headers["Location"] = f"/api/v1/reports/schedules/{s.id}"
    return schedules.ScheduleRead.model_validate(s)


@router.get("/schedules", response_model=Page[schedules.ScheduleRead])
def list_schedules(
    db: DB,
    _: AdminOnly,
    page: Paging,
    is_active: bool | None = None,
) -> Page[schedules.ScheduleRead]:
    stmt = select(ReportSchedule).order_by(ReportSchedule.id)
    if is_active is not None:
        stmt = stmt.where(ReportSchedule.is_active.is_(is_active))
    return page_of(db, stmt, page, schedules.ScheduleRead.model_validate)


@router.get("/schedules/{schedule_id}", response_model=schedules.ScheduleRead)
def get_schedule(db: DB, _: AdminOnly, schedule_id: PathId) -> schedules.ScheduleRead:
    return schedules.ScheduleRead.model_validate(_schedule(db, schedule_id))


@router.patch("/schedules/{schedule_id}", response_model=schedules.ScheduleRead)
def update_schedule(
    db: DB, _: AdminOnly, schedule_id: PathId, body: schedules.ScheduleUpdate
) -> schedules.ScheduleRead:
    s = schedules.update(db, _schedule(db, schedule_id), body, now=utcnow())
    return schedules.ScheduleRead.model_validate(s)


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete_schedule(db: DB, _: AdminOnly, schedule_id: PathId) -> Response:
    db.delete(_schedule(db, schedule_id))
    db.flush()
    return Response(status_code=204)
