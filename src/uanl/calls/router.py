from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status
from pydantic import AwareDatetime

from uanl.api.deps import DB, CurrentOperator, SupervisorOrAdmin, path_row
from uanl.api.listing import Listing, listing_params
from uanl.calls import service
from uanl.calls.schemas import CallCreate, CallRead, CallUpdate
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import Call, CallDirection, CallOutcome

router = SlashRouter(prefix="/calls", tags=["calls"])

SORTS = {
    "id": Call.id,
    "started_at": Call.started_at,
    "duration_s": Call.duration_s,
    "created_at": Call.created_at,
}

CallListing = Annotated[Listing, Depends(listing_params(SORTS, "-started_at", Call.id.desc()))]
ValidCall = Annotated[Call, Depends(path_row(Call, "call_id", "Call"))]


@router.get("/", response_model=Page[CallRead], summary="List calls")
def list_calls(
    db: DB,
    _: CurrentOperator,
    listing: CallListing,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    operator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ticket_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    direction: CallDirection | None = None,
    outcome: CallOutcome | None = None,
    started_from: AwareDatetime | None = None,
    started_to: AwareDatetime | None = None,
) -> Page[CallRead]:
    stmt = service.list_query(
        client_id=client_id,
        operator_id=operator_id,
        ticket_id=ticket_id,
        direction=direction,
        outcome=outcome,
        started_from=started_from,
        started_to=started_to,
    )
    return listing.respond(db, stmt, CallRead.model_validate)


@router.post(
    "/", response_model=CallRead, status_code=status.HTTP_201_CREATED, summary="Log a call"
)
def create_call(body: CallCreate, db: DB, _: CurrentOperator) -> CallRead:
    return CallRead.model_validate(service.create_call(db, body))


@router.get("/{call_id}", response_model=CallRead, summary="Get a call")
def get_call(call: ValidCall, _: CurrentOperator) -> CallRead:
    return CallRead.model_validate(call)


@router.patch("/{call_id}", response_model=CallRead, summary="Change some fields")
def patch_call(call: ValidCall, body: CallUpdate, db: DB, _: CurrentOperator) -> CallRead:
    service.update_call(db, call, body)
    return CallRead.model_validate(call)


@router.put("/{call_id}", response_model=CallRead, summary="Replace a call")
def put_call(call: ValidCall, body: CallCreate, db: DB, _: CurrentOperator) -> CallRead:
    service.update_call(db, call, CallUpdate.model_validate(body.model_dump()), full=True)
    return CallRead.model_validate(call)


@router.delete(
    "/{call_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a call (supervisor/admin)"
)
def delete_call(call: ValidCall, db: DB, _: SupervisorOrAdmin) -> None:
    db.delete(call)
    db.flush()
