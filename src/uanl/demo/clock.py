"""The demo's calendar: a fixed "now" per day, working-hour weighted instants, visit slots."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from uanl.sla.calendar import BusinessCalendar

# The dataset ends at this local hour of the anchor day, so "today" has a morning of data
# while the rows stay identical for every run on the same day (no dependence on the clock).
DEMO_END_HOUR = 12
# How far ahead a visit slot is looked for (a calendar closed longer than this is refused).
MAX_SLOT_SEARCH_DAYS = 60

# Mon..Sun factors and hour-of-day weights (local time).
PHONE_WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.0)
PHONE_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0.5, 3, 6, 10, 11, 10, 7, 5, 6, 9, 9, 5, 2, 0.5, 0, 0, 0,
)  # fmt: skip
DIGITAL_WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 0.9, 0.4, 0.15)
DIGITAL_HOURS = (
    0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2, 5, 8, 10, 10, 9, 7, 6, 7, 8, 8, 6, 4, 3, 2, 1.2, 0.7,
)  # fmt: skip


@dataclass(frozen=True)
class Profile:
    weekdays: tuple[float, ...]
    hours: tuple[float, ...]


PHONE = Profile(PHONE_WEEKDAYS, PHONE_HOURS)
DIGITAL = Profile(DIGITAL_WEEKDAYS, DIGITAL_HOURS)


class Clock:
    """Instants as UTC epoch seconds over `days` past days plus the anchor day's morning."""

    def __init__(self, today: date, days: int, tz: ZoneInfo, end_hour: int = DEMO_END_HOUR) -> None:
        self.tz = tz
        self.end_hour = end_hour
        self.today = today
        self.days = days
        first = today - timedelta(days=days)
        self.dates = [first + timedelta(days=i) for i in range(days + 1)]
        self.day_starts = [
            datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC).timestamp() for d in self.dates
        ]
        end_local = datetime.combine(today, time(end_hour), tzinfo=tz)
        self.end = end_local.astimezone(UTC).timestamp()
        self.start = self.day_starts[0]

    def sample(self, rng: random.Random, n: int, profile: Profile) -> list[float]:
        """n instants following the profile, with a mild growth trend towards today."""
        last = len(self.dates) - 1
        today_share = sum(profile.hours[: self.end_hour]) / sum(profile.hours)
        weights = []
        for i, d in enumerate(self.dates):
            w = profile.weekdays[d.weekday()] * (0.8 + 0.4 * i / max(last, 1))
            weights.append(w * today_share if i == last else w)
        day_cum = list(accumulate(weights))
        hour_cum = list(accumulate(profile.hours))
        morning_cum = list(accumulate(profile.hours[: self.end_hour]))
        day_idx = rng.choices(range(len(weights)), cum_weights=day_cum, k=n)
        hours = rng.choices(range(24), cum_weights=hour_cum, k=n)
        out = []
        for day, h in zip(day_idx, hours, strict=True):
            if day == last and h >= self.end_hour:
                h = rng.choices(range(self.end_hour), cum_weights=morning_cum)[0]
            out.append(self.day_starts[day] + h * 3600 + rng.random() * 3600)
        return out


def business_slot(
    rng: random.Random, after: float, length: float, calendar: BusinessCalendar
) -> float:
    """A visit start on the hour after `after`, on the first day where `calendar` (the
    desk's business calendar, holidays included) is open for the visit's whole length."""
    span = timedelta(seconds=length)
    day = datetime.fromtimestamp(after, calendar.zone).date()
    for _ in range(MAX_SLOT_SEARCH_DAYS):
        starts = [
            at
            for hour in range(24)
            if (at := datetime.combine(day, time(hour), tzinfo=calendar.zone)).timestamp() > after
            and calendar.business_time_between(at, at + span) == span
        ]
        if starts:
            return rng.choice(starts).timestamp()
        day += timedelta(days=1)
    raise ValueError(f"the calendar has no {span} slot in {MAX_SLOT_SEARCH_DAYS} days")


def reference_day(now: datetime | None, today: date | None, tz: ZoneInfo) -> tuple[date, int]:
    """The anchor day and the local hour the data ends at, for a reference instant.

    Without either, the reference is the clock. A whole `today` ends at DEMO_END_HOUR; an
    instant before that hour ends the data at its own hour, so nothing lies in its future.
    """
    if today is not None:
        return today, DEMO_END_HOUR
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the reference instant must be timezone-aware")
    local = now.astimezone(tz)
    return local.date(), min(DEMO_END_HOUR, local.hour)


def to_dt(epoch: float) -> datetime:
    """Epoch seconds to an aware UTC datetime at whole-second precision."""
    return datetime.fromtimestamp(int(epoch), UTC)


def iso(epoch: float) -> str:
    return to_dt(epoch).isoformat()
