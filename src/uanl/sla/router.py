"""SLA policies, business calendars and a ticket's SLA view.

Reads: any staff. Writes: admins. Every write answers with `recomputed_tickets`, the number
of open tickets whose deadlines were recomputed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status
from sqlalchemy import select

from uanl.api.deps import DB, AdminOnly, CurrentOperator, ValidTicket, path_row
from uanl.api.listing import Listing, listing_params
from uanl.core.errors import ValidationFailed
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.models import BusinessCalendar as CalendarRow
from uanl.models import ClientTier, SlaPolicy, TicketPriority, utcnow
from uanl.sla import admin
from uanl.sla.holidays import FIRST_SUPPORTED_YEAR
from uanl.sla.schemas import (
    CalendarCreate,
    CalendarRead,
    CalendarUpdate,
    RemainingMinutes,
    SlaPolicyCreate,
    SlaPolicyDeleted,
    SlaPolicyRead,
    SlaPolicyUpdate,
    TicketSlaRead,
)
from uanl.sla.service import remaining_business_minutes, ticket_calendar

router = SlashRouter(tags=["sla"])

POLICY_SORTS = {
    "id": SlaPolicy.id,
    "name": SlaPolicy.name,
    "priority": SlaPolicy.priority,
    "created_at": SlaPolicy.created_at,
}
CALENDAR_SORTS = {"id": CalendarRow.id, "name": CalendarRow.name}

PolicyListing = Annotated[Listing, Depends(listing_params(POLICY_SORTS, "id", SlaPolicy.id))]
CalendarListing = Annotated[Listing, Depends(listing_params(CALENDAR_SORTS, "id", CalendarRow.id))]
ValidPolicy = Annotated[SlaPolicy, Depends(path_row(SlaPolicy, "policy_id", "SLA policy"))]
ValidCalendar = Annotated[
    CalendarRow, Depends(path_row(CalendarRow, "calendar_id", "Business calendar"))
]


def _policy_read(policy: SlaPolicy, recomputed: int | None = None) -> SlaPolicyRead:
    return SlaPolicyRead.model_validate(policy).model_copy(
        update={"recomputed_tickets": recomputed}
    )


def _calendar_read(calendar: CalendarRow, recomputed: int | None = None) -> CalendarRead:
    return CalendarRead.model_validate(calendar).model_copy(
        update={"recomputed_tickets": recomputed}
    )


# -- policies -----------------------------------------------------------------------------------


@router.get("/sla-policies/", response_model=Page[SlaPolicyRead], summary="List SLA policies")
def list_policies(
    db: DB,
    _: CurrentOperator,
    listing: PolicyListing,
    priority: TicketPriority | None = None,
    client_tier: ClientTier | None = None,
    is_active: bool | None = None,
) -> Page[SlaPolicyRead]:
    stmt = select(SlaPolicy)
    if priority is not None:
        stmt = stmt.where(SlaPolicy.priority == priority)
    if client_tier is not None:
        stmt = stmt.where(SlaPolicy.client_tier == client_tier)
    if is_active is not None:
        stmt = stmt.where(SlaPolicy.is_active.is_(is_active))
    # This page has never flagged an estimated total (see api.listing.page_of).
    return listing.respond(db, stmt, _policy_read, flag_estimate=False)


@router.post(
    "/sla-policies/",
    response_model=SlaPolicyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an SLA policy (admin)",
)
def create_policy(body: SlaPolicyCreate, db: DB, _: AdminOnly) -> SlaPolicyRead:
    policy, n = admin.create_policy(db, body.model_dump(), utcnow())
    return _policy_read(policy, n)


@router.get("/sla-policies/{policy_id}", response_model=SlaPolicyRead, summary="Get a policy")
def get_policy(policy: ValidPolicy) -> SlaPolicyRead:
    return _policy_read(policy)


@router.patch(
    "/sla-policies/{policy_id}", response_model=SlaPolicyRead, summary="Change a policy (admin)"
)
def patch_policy(policy: ValidPolicy, body: SlaPolicyUpdate, db: DB, _: AdminOnly) -> SlaPolicyRead:
    n = admin.update_policy(db, policy, body.model_dump(exclude_unset=True), utcnow())
    return _policy_read(policy, n)


@router.put(
    "/sla-policies/{policy_id}", response_model=SlaPolicyRead, summary="Replace a policy (admin)"
)
def put_policy(policy: ValidPolicy, body: SlaPolicyCreate, db: DB, _: AdminOnly) -> SlaPolicyRead:
    n = admin.update_policy(db, policy, body.model_dump(), utcnow())
    return _policy_read(policy, n)


@router.delete(
    "/sla-policies/{policy_id}",
    response_model=SlaPolicyDeleted,
    summary="Delete a policy; deactivate it instead when tickets refer to it (admin)",
)
def delete_policy(policy: ValidPolicy, db: DB, _: AdminOnly) -> SlaPolicyDeleted:
    policy_id = policy.id
    deleted, n = admin.delete_policy(db, policy, utcnow())
    return SlaPolicyDeleted(
        id=policy_id, deleted=deleted, deactivated=not deleted, recomputed_tickets=n
    )


# -- calendars ----------------------------------------------------------------------------------


@router.get(
    "/business-calendars/", response_model=Page[CalendarRead], summary="List business calendars"
)
def list_calendars(
    db: DB,
    _: CurrentOperator,
    listing: CalendarListing,
) -> Page[CalendarRead]:
    return listing.respond(db, select(CalendarRow), _calendar_read, flag_estimate=False)


@router.post(
    "/business-calendars/",
    response_model=CalendarRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a business calendar (admin)",
)
def create_calendar(body: CalendarCreate, db: DB, _: AdminOnly) -> CalendarRead:
    calendar, n = admin.create_calendar(db, body.model_dump(), utcnow())
    return _calendar_read(calendar, n)


@router.get(
    "/business-calendars/{calendar_id}", response_model=CalendarRead, summary="Get a calendar"
)
def get_calendar(calendar: ValidCalendar) -> CalendarRead:
    return _calendar_read(calendar)


@router.patch(
    "/business-calendars/{calendar_id}",
    response_model=CalendarRead,
    summary="Change a calendar: hours, holidays, time zone, default (admin)",
)
def patch_calendar(
    calendar: ValidCalendar, body: CalendarUpdate, db: DB, _: AdminOnly
) -> CalendarRead:
    n = admin.update_calendar(db, calendar, body.model_dump(exclude_unset=True), utcnow())
    return _calendar_read(calendar, n)


@router.put(
    "/business-calendars/{calendar_id}",
    response_model=CalendarRead,
    summary="Replace a calendar (admin)",
)
def put_calendar(
    calendar: ValidCalendar, body: CalendarCreate, db: DB, _: AdminOnly
) -> CalendarRead:
    n = admin.update_calendar(db, calendar, body.model_dump(), utcnow())
    return _calendar_read(calendar, n)


@router.post(
    "/business-calendars/{calendar_id}/holidays/mexico",
    response_model=CalendarRead,
    summary="Add Mexico's official holidays (LFT art. 74) for some years (admin)",
)
def add_mexico_holidays(
    calendar: ValidCalendar,
    db: DB,
    _: AdminOnly,
    years: Annotated[
        list[int],
        Query(min_length=1, max_length=50, description="Repeatable: ?years=2027&years=2028"),
    ],
) -> CalendarRead:
    for year in years:
        if not FIRST_SUPPORTED_YEAR <= year <= 2200:
            raise ValidationFailed("years", f"{year} is outside {FIRST_SUPPORTED_YEAR}..2200")
    _added, n = admin.add_mexico_holidays(db, calendar, years, utcnow())
    return _calendar_read(calendar, n)


# -- a ticket's SLA -----------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/sla",
    response_model=TicketSlaRead,
    summary="A ticket's SLA: policy, deadlines, status and business minutes left",
)
def ticket_sla(ticket: ValidTicket, db: DB) -> TicketSlaRead:
    policy, _calendar = ticket_calendar(db, ticket)
    calendar_name = None
    if policy is not None:
        cal_id = policy.calendar_id
        row = db.get(CalendarRow, cal_id) if cal_id else None
        if row is None:
            row = db.scalar(select(CalendarRow).where(CalendarRow.is_default.is_(True)).limit(1))
        calendar_name = row.name if row is not None else None
    remaining = remaining_business_minutes(db, ticket, utcnow())
    return TicketSlaRead(
        ticket_id=ticket.id,
        policy_id=ticket.sla_policy_id,
        policy_name=policy.name if policy else None,
        calendar=calendar_name,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        first_responded_at=ticket.first_responded_at,
        sla_status=ticket.sla_status,
        paused=ticket.sla_paused_at is not None,
        paused_minutes=round(float(ticket.sla_paused_minutes or 0.0), 2),
        remaining_business_minutes=RemainingMinutes(**remaining),
        escalation_level=ticket.escalation_level,
        escalated_at=ticket.escalated_at,
    )
