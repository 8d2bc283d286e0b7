"""Admins read the audit trail and the security counters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from uanl.api.deps import DB, AdminOnly
from uanl.api.listing import Paging, page_of
from uanl.audit.schemas import AuditRead, SecurityEvents
from uanl.core import security_events as security
from uanl.core.pagination import Page
from uanl.core.validators import MAX_ID
from uanl.models import AuditLog

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditRead], summary="Audit trail (admins)")
def list_audit(
    db: DB,
    _: AdminOnly,
    page: Paging,
    entity: Annotated[str | None, Query(max_length=60, description="Table, e.g. tickets")] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Literal["create", "update", "delete"] | None = None,
    request_id: Annotated[str | None, Query(max_length=100)] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="Inclusive")] = None,
    to: Annotated[datetime | None, Query(description="Exclusive")] = None,
) -> Page[AuditRead]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    for column, value in (
        (AuditLog.entity, entity),
        (AuditLog.entity_id, entity_id),
        (AuditLog.actor_id, actor_id),
        (AuditLog.action, action),
        (AuditLog.request_id, request_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if from_ is not None:
        stmt = stmt.where(AuditLog.created_at >= from_)
    if to is not None:
        stmt = stmt.where(AuditLog.created_at < to)
    return page_of(db, stmt, page, AuditRead.model_validate)


@router.get(
    "/security-events",
    response_model=SecurityEvents,
    summary="Security event counts by kind since this process started (admins)",
)
def security_events(_: AdminOnly) -> SecurityEvents:
    since, counts = security.snapshot()
    return SecurityEvents(since=since, total=sum(counts.values()), counts=counts)
