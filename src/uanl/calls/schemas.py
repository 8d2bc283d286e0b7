from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from uanl.core.schemas import Strict, Timestamps, UtcDatetime
from uanl.core.validators import MAX_ID
from uanl.models import CallDirection, CallOutcome

Notes = Annotated[str, StringConstraints(max_length=5000)]


class CallCreate(Strict):
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    operator_id: int | None = Field(None, ge=1, le=MAX_ID)
    direction: CallDirection
    started_at: UtcDatetime = Field(description="ISO 8601 with offset")
    duration_s: int = Field(ge=0, le=86_400)
    wait_s: int | None = Field(None, ge=0, le=86_400)
    outcome: CallOutcome
    notes: Notes | None = None
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)


class CallUpdate(Strict):
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    operator_id: int | None = Field(None, ge=1, le=MAX_ID)
    direction: CallDirection | None = None
    started_at: UtcDatetime | None = None
    duration_s: int | None = Field(None, ge=0, le=86_400)
    wait_s: int | None = Field(None, ge=0, le=86_400)
    outcome: CallOutcome | None = None
    notes: Notes | None = None
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)


class CallRead(Timestamps):
    id: int
    client_id: int | None
    operator_id: int | None
    direction: CallDirection
    started_at: datetime
    duration_s: int
    wait_s: int | None
    outcome: CallOutcome
    notes: str | None
    ticket_id: int | None
