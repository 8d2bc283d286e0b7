from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from uanl.core.schemas import ReadModel, Strict, Timestamps, UtcDatetime
from uanl.core.validators import MAX_ID
from uanl.models import VisitState

Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
Notes = Annotated[str, StringConstraints(max_length=5_000)]
Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]


class VisitCreate(Strict):
    client_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Optional when ticket_id is given: the ticket's client is used",
    )
    operator_id: int | None = Field(
        None, ge=1, description="Omit to pick a free technician with the skill"
    )
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)
    scheduled_start: UtcDatetime
    scheduled_end: UtcDatetime
    address: Address | None = Field(None, description="Defaults to the client's address")
    notes: Notes | None = None
    force: bool = Field(
        False, description="Book outside working hours, on a holiday or in the past"
    )
    skill: Skill | None = Field(
        None, description="Skill for the automatic pick (default: the ticket's category)"
    )


class VisitUpdate(Strict):
    notes: Notes | None = None
    address: Address | None = None
    operator_id: int | None = Field(None, ge=1, le=MAX_ID)
    version: int | None = Field(
        None, ge=1, description="If given, the update applies only to this version (else 409)"
    )


class VisitReschedule(Strict):
    scheduled_start: UtcDatetime
    scheduled_end: UtcDatetime
    force: bool = False
    version: int | None = Field(None, ge=1)


class VisitCancel(Strict):
    reason: Reason


class VisitRead(Timestamps):
    id: int
    client_id: int
    operator_id: int | None
    ticket_id: int | None
    scheduled_start: datetime
    scheduled_end: datetime
    address: str | None
    notes: str | None
    state: VisitState
    forced: bool
    reminder_24h_sent_at: datetime | None
    reminder_1h_sent_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancel_reason: str | None
    reschedule_count: int
    created_by_id: int | None
    version: int


class CalendarEvent(BaseModel):
    id: int
    title: str
    start: datetime
    end: datetime
    state: VisitState
    operator_id: int | None
    operator_name: str | None
    client_id: int
    client_name: str
    ticket_id: int | None
    address: str | None
    forced: bool


class CalendarDay(BaseModel):
    date: date
    events: list[CalendarEvent]


class CalendarRead(BaseModel):
    range_start: datetime
    range_end: datetime
    timezone: str
    total: int
    days: list[CalendarDay] = Field(description="Local days (desk time zone) that have visits")


class CalendarToken(ReadModel):
    operator_id: int
    token: str
    url: str
    webcal_url: str


class VisitLifecycle(BaseModel):
    """The visit state machine of visits/service.py, for clients (the console) that offer the
    next steps; the transition endpoints are still the judge (409 with `allowed`)."""

    states: list[VisitState]
    final_states: list[VisitState] = Field(description="No transition leaves these")
    transitions: dict[str, list[VisitState]] = Field(
        description="By current state: the states a visit can move to"
    )
    reschedulable: list[VisitState] = Field(
        description="States in which a visit can be moved or handed to another technician"
    )
