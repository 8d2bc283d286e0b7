from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, StringConstraints, field_validator

from uanl.core.schemas import Name, Strict, Timestamps
from uanl.core.validators import MAX_ID
from uanl.models import ClientTier, SlaStatus, TicketPriority
from uanl.sla.working_hours import WorkingHours

Minutes = Annotated[int, Field(ge=1, le=525_600, description="Business minutes (max. 1 year)")]
CalendarName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
HolidayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
# {"0": [["09:00", "18:00"]], "5": [["09:00", "14:00"]]}; weekday 0 is Monday.
Hours = dict[str, list[list[str]]]


class SlaPolicyCreate(Strict):
    name: Name
    priority: TicketPriority | None = Field(None, description="Empty: any priority")
    client_tier: ClientTier | None = Field(None, description="Empty: any client tier")
    first_response_minutes: Minutes
    resolution_minutes: Minutes
    calendar_id: int | None = Field(
        None, ge=1, description="Business calendar; empty: the default calendar"
    )
    is_active: bool = True


class SlaPolicyUpdate(Strict):
    name: Name | None = None
    priority: TicketPriority | None = None
    client_tier: ClientTier | None = None
    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool | None = None


class SlaPolicyRead(Timestamps):
    id: int
    name: str
    priority: TicketPriority | None
    client_tier: ClientTier | None
    first_response_minutes: int
    resolution_minutes: int
    calendar_id: int | None
    is_active: bool
    recomputed_tickets: int | None = Field(
        None, description="On writes: open tickets whose deadlines were recomputed"
    )


class SlaPolicyDeleted(BaseModel):
    id: int
    deleted: bool = Field(description="Removed for good (no ticket ever used it)")
    deactivated: bool = Field(description="Kept, inactive, because tickets refer to it")
    recomputed_tickets: int


class Holiday(Strict):
    date: dt.date
    name: HolidayName


def _check_hours(value: Hours) -> Hours:
    try:
        return WorkingHours.from_dict(value).to_dict()
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def _check_tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/Monterrey)") from None
    return value


def _check_holidays(value: list[Holiday]) -> list[Holiday]:
    seen: set[dt.date] = set()
    for item in value:
        if item.date in seen:
            raise ValueError(f"date {item.date.isoformat()} appears twice")
        seen.add(item.date)
    return sorted(value, key=lambda h: h.date)


class CalendarCreate(Strict):
    name: CalendarName
    tz: str = "America/Monterrey"
    always_open: bool = Field(False, description="24x7: ignores hours and holidays")
    hours: Hours = Field(
        default_factory=dict,
        description='Weekday (0=Monday) -> [["HH:MM", "HH:MM"], ...]; "24:00" ends the day',
    )
    holidays: list[Holiday] = Field(default_factory=list, max_length=2000)
    is_default: bool = False

    _v_hours = field_validator("hours")(_check_hours)
    _v_tz = field_validator("tz")(_check_tz)
    _v_holidays = field_validator("holidays")(_check_holidays)


class CalendarUpdate(Strict):
    name: CalendarName | None = None
    tz: str | None = None
    always_open: bool | None = None
    hours: Hours | None = None
    holidays: list[Holiday] | None = Field(None, max_length=2000)
    is_default: bool | None = None

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: Hours | None) -> Hours | None:
        return None if value is None else _check_hours(value)

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_tz(value)

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: list[Holiday] | None) -> list[Holiday] | None:
        return None if value is None else _check_holidays(value)


class CalendarRead(Timestamps):
    id: int
    name: str
    tz: str
    always_open: bool
    hours: dict[str, Any]
    holidays: list[dict[str, Any]]
    is_default: bool
    recomputed_tickets: int | None = Field(
        None, description="On writes: open tickets whose deadlines were recomputed"
    )


class RemainingMinutes(BaseModel):
    first_response: float | None = Field(
        description="Business minutes left to the first-response deadline (negative: late)"
    )
    resolution: float | None


class TicketSlaRead(BaseModel):
    ticket_id: int
    policy_id: int | None
    policy_name: str | None
    calendar: str | None
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    first_responded_at: dt.datetime | None
    sla_status: SlaStatus | None
    paused: bool
    paused_minutes: float
    remaining_business_minutes: RemainingMinutes
    escalation_level: int
    escalated_at: dt.datetime | None
