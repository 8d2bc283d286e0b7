from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.api import idempotency
from uanl.api.deps import DB, CurrentOperator, ValidTicket
from uanl.api.listing import Listing, listing_params
from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.core.pagination import EXACT_COUNT_LIMIT, Page
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import (
    Ticket,
    TicketComment,
    TicketEvent,
    TicketPriority,
    TicketSource,
    TicketState,
    utcnow,
)
from uanl.sla.service import remaining_business_minutes
from uanl.tickets import lifecycle, service
from uanl.tickets.schemas import (
    CommentCreate,
    CommentRead,
    SlaRemaining,
    TicketCreate,
    TicketEventRead,
    TicketLifecycle,
    TicketRead,
    TicketStats,
    TicketUpdate,
)
from uanl.tickets.stats import ticket_stats

router = SlashRouter(prefix="/tickets", tags=["tickets"])

SORTS = {
    "id": Ticket.id,
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "priority": Ticket.priority_rank,
    "state": Ticket.state,
    "resolution_due_at": Ticket.resolution_due_at,
    "title": Ticket.title,
}
TicketListing = Annotated[
    Listing,
    Depends(
        listing_params(
            SORTS, "-created_at", Ticket.id.desc(), "e.g. -created_at or -priority,created_at"
        )
    ),
]


@router.get("/", response_model=Page[TicketRead], summary="List tickets")
def list_tickets(
    db: DB,
    _: CurrentOperator,
    listing: TicketListing,
    state: Annotated[list[TicketState] | None, Query(description="Repeatable")] = None,
    priority: Annotated[list[TicketPriority] | None, Query(description="Repeatable")] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    unassigned: bool | None = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    source: TicketSource | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
    overdue: bool | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Text in title or description")
    ] = None,
) -> Page[TicketRead]:
    listing.order()  # a bad sort is reported before a bad date range
    if created_from and created_to and created_from > created_to:
        raise ValidationFailed("created_to", "must not be before created_from")
    stmt = service.list_query(
        states=state,
        priorities=priority,
        assignee_id=assignee_id,
        unassigned=unassigned,
        client_id=client_id,
        category=category,
        source=source,
        tag=tag,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        q=q,
    )
    # Text search pays a LIKE per row: count exactly only the first thousand matches.
    exact = 1_000 if q else EXACT_COUNT_LIMIT
    return listing.respond(db, stmt, TicketRead.model_validate, exact_limit=exact)


@router.post(
    "/",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a ticket",
    responses={
        201: {
            "description": "Created; a retry with the same Idempotency-Key returns the same ticket"
        }
    },
)
def create_ticket(
    body: TicketCreate,
    db: DB,
    actor: CurrentOperator,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response | TicketRead:
    scope = f"tickets.create:{actor.id}"
    if idempotency_key:
        fingerprint = idempotency.request_fingerprint(body.model_dump(mode="json"))
        previous = idempotency.replay(db, idempotency_key, scope, fingerprint)
        if previous is not None:
            return JSONResponse(
                previous.response,
                status_code=previous.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
    ticket = service.create_ticket(db, body, actor)
    result = _read(db, ticket)
    if idempotency_key:
        idempotency.remember(db, idempotency_key, scope, 201, result.model_dump(mode="json"))
    return result


def _read(db: Session, ticket: Ticket) -> TicketRead:
    """A ticket with the business minutes left to its SLA deadlines (pending ones only)."""
    result = TicketRead.model_validate(ticket)
    if ticket.first_response_due_at is not None or ticket.resolution_due_at is not None:
        remaining = remaining_business_minutes(db, ticket, utcnow())
        result.sla_remaining_minutes = SlaRemaining(**remaining)
    return result


@router.get("/stats", response_model=TicketStats, summary="Ticket statistics")
def stats(
    db: DB,
    _: CurrentOperator,
    period_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    period_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> TicketStats:
    if period_from and period_to and period_from > period_to:
        raise ValidationFailed("to", "must not be before from")
    return ticket_stats(db, period_from, period_to)


@router.get(
    "/lifecycle",
    response_model=TicketLifecycle,
    summary="The ticket states and the transitions between them (read-only)",
)
def ticket_lifecycle(_: CurrentOperator) -> TicketLifecycle:
    return TicketLifecycle(
        states=[TicketState(s) for s in lifecycle.STATES],
        final_states=[TicketState(s) for s in lifecycle.FINAL_STATES],
        transitions={s: [TicketState(t) for t in nxt] for s, nxt in lifecycle.TRANSITIONS.items()},
        reopen_transitions={
            s: [TicketState(t) for t in nxt] for s, nxt in lifecycle.reopen_transitions().items()
        },
        reopen_window_hours=config.get_settings().ticket_reopen_window_hours,
    )


@router.get("/{ticket_id}", response_model=TicketRead, summary="Get a ticket")
def get_ticket(ticket: ValidTicket, db: DB, _: CurrentOperator) -> TicketRead:
    return _read(db, ticket)


@router.put(
    "/{ticket_id}",
    response_model=TicketRead,
    summary="Update a ticket (only the fields sent change)",
)
def put_ticket(
    ticket: ValidTicket, body: TicketUpdate, db: DB, actor: CurrentOperator
) -> TicketRead:
    service.update_ticket(db, ticket, body, actor)
    return _read(db, ticket)


@router.patch("/{ticket_id}", response_model=TicketRead, summary="Update some fields")
def patch_ticket(
    ticket: ValidTicket, body: TicketUpdate, db: DB, actor: CurrentOperator
) -> TicketRead:
    service.update_ticket(db, ticket, body, actor)
    return _read(db, ticket)


@router.get(
    "/{ticket_id}/history",
    response_model=list[TicketEventRead],
    summary="Every change: who, what, before/after, when",
)
def history(ticket: ValidTicket, db: DB, _: CurrentOperator) -> list[TicketEventRead]:
    rows = db.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return [TicketEventRead.model_validate(r) for r in rows]


@router.get(
    "/{ticket_id}/comments", response_model=list[CommentRead], summary="Replies and internal notes"
)
def list_comments(
    ticket: ValidTicket, db: DB, _: CurrentOperator, include_internal: bool = True
) -> list[CommentRead]:
    stmt = select(TicketComment).where(TicketComment.ticket_id == ticket.id)
    if not include_internal:
        stmt = stmt.where(TicketComment.is_internal.is_(False))
    return [CommentRead.model_validate(c) for c in db.scalars(stmt.order_by(TicketComment.id))]


@router.post(
    "/{ticket_id}/comments",
    response_model=CommentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Reply or add an internal note",
)
def add_comment(
    ticket: ValidTicket, body: CommentCreate, db: DB, actor: CurrentOperator
) -> CommentRead:
    return CommentRead.model_validate(service.add_comment(db, ticket, body, actor))
