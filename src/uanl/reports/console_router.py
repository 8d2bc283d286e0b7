"""`GET /reports/console/jobs`: report jobs with the parameters each was asked with.

The console's list of background files needs to say what each file holds (which report,
period and grouping), which `GET /reports/jobs` does not carry. Same visibility: a manager
sees every job (or only theirs with `mine=true`), anyone else only their own. Internal keys
(the delivery addresses of scheduled runs, `_delivery`) are left out.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from pydantic import Field
from sqlalchemy import select

from uanl.api.deps import DB, AnyStaff
from uanl.core.pagination import Page, PageParams, page_params, paginate_page
from uanl.core.routing import SlashRouter
from uanl.models import Report, ReportStatus, Role
from uanl.reports.jobs_router import JobRead

router = SlashRouter(prefix="/reports", tags=["reports"])


class JobWithParams(JobRead):
    params: dict[str, Any] = Field(
        default_factory=dict, description="The report's parameters as queued"
    )


def _with_params(report: Report) -> JobWithParams:
    out = JobWithParams.model_validate(report)
    out.params = {k: v for k, v in (report.parameters or {}).items() if not k.startswith("_")}
    if report.status == ReportStatus.done:
        out.download_url = f"/api/v1/reports/jobs/{report.id}/download"
    return out


@router.get(
    "/console/jobs",
    response_model=Page[JobWithParams],
    summary="Report jobs with their parameters (mine; all for managers)",
)
def console_jobs(
    db: DB,
    op: AnyStaff,
    page: Annotated[PageParams, Depends(page_params)],
    status: ReportStatus | None = None,
    mine: bool = False,
) -> Page[JobWithParams]:
    stmt = select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if mine or op.role not in (Role.admin, Role.supervisor):
        stmt = stmt.where(Report.requested_by_id == op.id)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    return paginate_page(db, stmt, page, _with_params)
