from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status
from pydantic import AwareDatetime

from uanl.api.deps import DB, CurrentOperator, PathId
from uanl.api.listing import Listing, listing_params
from uanl.core.errors import ValidationFailed
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import ScheduledVisit, VisitState
from uanl.operators.dependencies import ValidOperator
from uanl.visits import feed, service
from uanl.visits.dependencies import ValidVisit
from uanl.visits.schemas import (
    CalendarRead,
    CalendarToken,
    VisitCancel,
    VisitCreate,
    VisitRead,
    VisitReschedule,
    VisitUpdate,
)

router = SlashRouter(prefix="/visits", tags=["visits"])

SORTS = {
    "id": ScheduledVisit.id,
    "scheduled_start": ScheduledVisit.scheduled_start,
    "scheduled_end": ScheduledVisit.scheduled_end,
    "created_at": ScheduledVisit.created_at,
    "updated_at": ScheduledVisit.updated_at,
    "state": ScheduledVisit.state,
}
VisitListing = Annotated[
    Listing,
    Depends(
        listing_params(
            SORTS, "scheduled_start", ScheduledVisit.id, "e.g. scheduled_start or -created_at"
        )
    ),
]
From = Annotated[AwareDatetime, Query(alias="from", description="Window start (with offset)")]
To = Annotated[AwareDatetime, Query(alias="to", description="Window end (with offset)")]


@router.get("/", response_model=Page[VisitRead], summary="List visits")
def list_visits(
    db: DB,
    _: CurrentOperator,
    listing: VisitListing,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    operator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ticket_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    state: Annotated[list[VisitState] | None, Query(description="Repeatable")] = None,
    range_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="Visits ending after this")
    ] = None,
    range_to: Annotated[
        AwareDatetime | None, Query(alias="to", description="Visits starting before this")
    ] = None,
) -> Page[VisitRead]:
    listing.order()  # a bad sort is reported before a bad window
    if range_from and range_to and range_to <= range_from:
        raise ValidationFailed("to", "must be after from")
    stmt = service.list_query(
        client_id=client_id,
        operator_id=operator_id,
        ticket_id=ticket_id,
        states=state,
        range_from=range_from,
        range_to=range_to,
    )
    return listing.respond(db, stmt, VisitRead.model_validate)


@router.post(
    "/",
    response_model=VisitRead,
    status_code=status.HTTP_201_CREATED,
    summary="Schedule an on-site visit",
    responses={
        409: {"description": "The technician is busy (the conflicting visit is named)"},
        422: {"description": "Invalid times, outside working hours or a holiday (unless force)"},
    },
)
def create_visit(body: VisitCreate, db: DB, actor: CurrentOperator) -> VisitRead:
    return VisitRead.model_validate(service.create_visit(db, body, actor))


@router.get(
    "/calendar",
    response_model=CalendarRead,
    summary="Visits in a window (at most 93 days), grouped by local day",
)
def visit_calendar(
    db: DB,
    _: CurrentOperator,
    range_from: From,
    range_to: To,
    operator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    state: Annotated[list[VisitState] | None, Query(description="Repeatable")] = None,
) -> CalendarRead:
    return service.calendar(db, range_from, range_to, operator_id=operator_id, states=state)


@router.get(
    "/operators/{operator_id}/calendar.ics",
    summary="An operator's visits as an iCalendar feed (public; the token is the secret)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Wrong token"}},
)
def calendar_feed(
    db: DB,
    operator_id: PathId,
    token: Annotated[str | None, Query(description="The secret from calendar-token")] = None,
) -> Response:
    operator = feed.operator_for_feed(db, operator_id, token)
    body = feed.feed_text(db, operator)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="visitas-{operator.id}.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )


@router.post(
    "/operators/{operator_id}/calendar-token",
    response_model=CalendarToken,
    summary="Create or rotate an operator's calendar feed link (the operator or an admin)",
)
def rotate_calendar_token(operator: ValidOperator, db: DB, actor: CurrentOperator) -> CalendarToken:
    token = feed.rotate_calendar_token(db, operator, actor)
    url = feed.feed_url(operator.id, token)
    webcal = "webcal://" + url.split("://", 1)[1]
    return CalendarToken(operator_id=operator.id, token=token, url=url, webcal_url=webcal)


@router.get("/{visit_id}", response_model=VisitRead, summary="Get a visit")
def get_visit(visit: ValidVisit) -> VisitRead:
    return VisitRead.model_validate(visit)


@router.patch(
    "/{visit_id}", response_model=VisitRead, summary="Change notes, address or technician"
)
def patch_visit(visit: ValidVisit, body: VisitUpdate, db: DB, actor: CurrentOperator) -> VisitRead:
    service.update_visit(db, visit, body, actor)
    return VisitRead.model_validate(visit)


@router.post(
    "/{visit_id}/reschedule",
    response_model=VisitRead,
    summary="Move a visit (needs confirming again; reminders are sent anew)",
)
def reschedule_visit(
    visit: ValidVisit, body: VisitReschedule, db: DB, actor: CurrentOperator
) -> VisitRead:
    return VisitRead.model_validate(service.reschedule_visit(db, visit, body, actor))


TRANSITION_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not allowed from the current state (lists `allowed`)"}
}


@dataclass(frozen=True)
class VisitAction:
    """One `POST /visits/{visit_id}/<path>` endpoint that moves a visit to `target`."""

    path: str
    name: str  # the endpoint's name, and so the stem of its OpenAPI operation id
    target: VisitState
    summary: str
    with_reason: bool = False  # takes a VisitCancel body whose reason is recorded


VISIT_ACTIONS = (
    VisitAction("confirm", "confirm_visit", VisitState.confirmed, "Confirm a visit"),
    VisitAction("start", "start_visit", VisitState.in_progress, "The technician starts the visit"),
    VisitAction("complete", "complete_visit", VisitState.done, "The visit is done"),
    VisitAction(
        "no-show", "no_show_visit", VisitState.no_show, "Nobody was there to receive the technician"
    ),
    VisitAction(
        "cancel",
        "cancel_visit",
        VisitState.cancelled,
        "Cancel a visit (with a reason)",
        with_reason=True,
    ),
)


def _action_endpoint(action: VisitAction) -> Callable[..., VisitRead]:
    target = action.target

    def move(visit: ValidVisit, db: DB, actor: CurrentOperator) -> VisitRead:
        return VisitRead.model_validate(service.change_state(db, visit, target, actor))

    def move_with_reason(
        visit: ValidVisit, body: VisitCancel, db: DB, actor: CurrentOperator
    ) -> VisitRead:
        changed = service.change_state(db, visit, target, actor, reason=body.reason)
        return VisitRead.model_validate(changed)

    endpoint: Callable[..., VisitRead] = move_with_reason if action.with_reason else move
    endpoint.__name__ = endpoint.__qualname__ = action.name
    return endpoint


for _action in VISIT_ACTIONS:
    router.add_api_route(
        f"/{{visit_id}}/{_action.path}",
        _action_endpoint(_action),
        methods=["POST"],
        name=_action.name,
        response_model=VisitRead,
        summary=_action.summary,
        responses=TRANSITION_ERRORS,
    )
