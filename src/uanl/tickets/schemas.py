from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from uanl.core.schemas import Email, ReadModel, Strict, Tags, Timestamps
from uanl.core.validators import MAX_ID
from uanl.models import SlaStatus, TicketPriority, TicketSource, TicketState

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=20_000)]
Category = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)
]


class TicketCreate(Strict):
    title: Title
    description: Description = ""
    priority: TicketPriority = TicketPriority.medium
    category: Category | None = None
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    source: TicketSource = TicketSource.api
    tags: Tags = Field(default_factory=list)
    requester_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    requester_email: Email | None = None


class TicketUpdate(Strict):
    title: Title | None = None
    description: Description | None = None
    priority: TicketPriority | None = None
    state: TicketState | None = None
    category: Category | None = None
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    tags: Tags | None = None
    requester_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    requester_email: Email | None = None
    version: int | None = Field(
        None, ge=1, description="If given, the update applies only to this version (else 409)"
    )


class SlaRemaining(BaseModel):
    first_response: float | None = Field(
        description="Business minutes to the first-response deadline; null when not pending"
    )
    resolution: float | None = Field(
        description="Business minutes to the resolution deadline; null when not pending"
    )


class TicketRead(Timestamps):
    id: int
    title: str
    description: str
    priority: TicketPriority
    state: TicketState
    category: str | None
    client_id: int | None
    assignee_id: int | None
    created_by_id: int | None
    source: TicketSource
    tags: list[str]
    requester_name: str | None
    requester_email: str | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_status: SlaStatus | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    reopen_count: int
    escalation_level: int
    csat_score: int | None
    version: int
    sla_remaining_minutes: SlaRemaining | None = Field(
        None,
        description="Business minutes left to each pending SLA deadline (negative: late; "
        "frozen while the clock is paused). Single-ticket responses only; null in lists.",
    )


class CommentCreate(Strict):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    is_internal: bool = Field(False, description="Internal notes are never shown to the client")


class CommentRead(ReadModel):
    id: int
    ticket_id: int
    author_id: int | None
    author_name: str | None
    body: str
    is_internal: bool
    created_at: datetime


class TicketEventRead(ReadModel):
    id: int
    ticket_id: int
    actor_id: int | None
    actor_type: str
    kind: str
    changes: dict[str, Any]
    note: str | None
    created_at: datetime


class TicketStats(ReadModel):
    total: int
    by_state: dict[str, int]
    by_priority: dict[str, int]
    open: int
    overdue: int
    unassigned_open: int
    avg_first_response_s: float | None
    avg_resolution_s: float | None
    period_from: datetime | None
    period_to: datetime | None


class TicketLifecycle(BaseModel):
    """The ticket state machine of tickets/lifecycle.py, for clients (the console) that offer
    the next states; a PATCH of `state` is still the judge (409 with `allowed`)."""

    states: list[TicketState]
    final_states: list[TicketState] = Field(description="No transition leaves these")
    transitions: dict[str, list[TicketState]] = Field(
        description="By current state: the states a ticket can always move to"
    )
    reopen_transitions: dict[str, list[TicketState]] = Field(
        description="By current state: the states allowed besides, only while at most "
        "`reopen_window_hours` have passed since the ticket's `resolved_at` (reopening)"
    )
    reopen_window_hours: float = Field(description="TICKET_REOPEN_WINDOW_HOURS")
