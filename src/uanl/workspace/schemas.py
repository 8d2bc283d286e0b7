from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from uanl.core.schemas import ReadModel, Strict
from uanl.models import TicketPriority, TicketState

ViewName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
SortKey = Annotated[
    str,
    StringConstraints(
        max_length=100,
        pattern=r"^-?(id|created_at|updated_at|priority|state|resolution_due_at|title)"
        r"(,-?(id|created_at|updated_at|priority|state|resolution_due_at|title))*$",
    ),
]


class ViewFilters(Strict):
    """The inbox filters a view keeps (the same names as GET /tickets' query and the
    console's hash). Unknown keys are refused, so a view never holds what the inbox ignores."""

    view: Literal["mine", "unassigned", "all"] | None = Field(
        None, description="Queue: my tickets, the unassigned ones or all"
    )
    state: list[TicketState | Literal["open-states"]] | None = Field(
        None, max_length=7, description="States; 'open-states' is every open one"
    )
    priority: list[TicketPriority] | None = Field(None, max_length=4)
    q: Annotated[str, StringConstraints(max_length=100)] | None = None
    sort: SortKey | None = Field(None, description="e.g. -priority,created_at")
    client_id: int | None = Field(None, ge=1, le=2_147_483_647)
    category: Annotated[str, StringConstraints(max_length=60)] | None = None
    tag: Annotated[str, StringConstraints(max_length=40)] | None = None


class SavedViewCreate(Strict):
    name: ViewName
    filters: ViewFilters


class SavedViewRead(ReadModel):
    id: int
    name: str
    filters: ViewFilters
    created_at: datetime
    updated_at: datetime
