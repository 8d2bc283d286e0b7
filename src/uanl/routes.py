"""Every domain router, mounted once under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from uanl.audit.router import router as audit_router
from uanl.auth.router import router as auth_router
from uanl.calls.router import router as calls_router
from uanl.clients.profile_router import router as client_profile_router
from uanl.clients.router import router as clients_router
from uanl.dashboards.router import router as dashboards_router
from uanl.health.router import router as health_router
from uanl.notifications.router import csat_router
from uanl.notifications.router import router as notifications_router
from uanl.operators.router import router as operators_router
from uanl.reports.console_router import router as report_console_router
from uanl.reports.extra_router import router as reports_extra_router
from uanl.reports.jobs_router import router as report_jobs_router
from uanl.reports.router import router as reports_router
from uanl.sla.router import router as sla_router
from uanl.tickets.router import router as tickets_router
from uanl.visits.read_router import router as visits_read_router
from uanl.visits.router import router as visits_router
from uanl.watson.router import router as watson_router
from uanl.workspace.router import router as workspace_router

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
for r in (
    health_router,
    auth_router,
    operators_router,
    clients_router,
    client_profile_router,
    calls_router,
    tickets_router,
    sla_router,
    visits_read_router,
    visits_router,
    notifications_router,
    csat_router,
    reports_router,
    report_jobs_router,
    report_console_router,
    reports_extra_router,
    watson_router,
    audit_router,
    dashboards_router,
    workspace_router,
):
    api_router.include_router(r)
