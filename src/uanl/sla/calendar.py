"""Business calendars for SLA deadlines.

Semantics
---------
Working hours are *wall-clock* intervals in the calendar's time zone. An instant is "open" when
its local date is not a holiday and its local time of day falls inside one of the intervals of
its local weekday (start inclusive, end exclusive). Business time is the real elapsed time spent
in open instants, so across a DST change an interval that contains the jump is one hour shorter
(spring forward) or longer (fall back) than its nominal length, and a wall time that does not
exist simply is not reached.

Internally every computation runs on naive UTC datetimes and :class:`~datetime.timedelta`, which
is exact to the microsecond. Long spans are handled one UTC day at a time, and whole weeks with
a constant UTC offset and no holidays are skipped arithmetically.

An ``always_open`` calendar is open at every instant: it ignores both hours and holidays (to
express "24x7 except holidays" use 00:00-24:00 hours on every weekday plus holidays).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from uanl.sla.working_hours import WorkingHours

__all__ = ["BusinessCalendar"]

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)


class BusinessCalendar:
    """Working hours + holidays in a time zone; computes SLA deadlines and elapsed time.

    All returned datetimes are UTC-aware. Input datetimes must be aware (any time zone).
    """

    def __init__(
        self,
        tz: str = "America/Monterrey",
        hours: WorkingHours | None = None,
        holidays: Iterable[date] = (),
        always_open: bool = False,
    ) -> None:
        try:
            self._zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.tz = tz
        self.hours = hours if hours is not None else WorkingHours.default()
        self.always_open = bool(always_open)
        days: set[date] = set()
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"holidays must be datetime.date values, got {day!r}")
            days.add(day)
        self._holiday_set = frozenset(days)
        self._holiday_list = sorted(days)
        self._week = self.hours.nominal_week()
        if not self.always_open and self._week <= _ZERO:
            raise ValueError("a calendar needs working hours on at least one weekday")
        # A run of closed days can be at most a week plus every holiday in a row.
        self._max_closed_days = len(self._holiday_list) + 8

    # -- public API ---------------------------------------------------------------------------

    @property
    def holidays(self) -> tuple[date, ...]:
        return tuple(self._holiday_list)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def is_holiday(self, day: date) -> bool:
        return day in self._holiday_set

    def is_open(self, at: datetime) -> bool:
        """Whether the calendar is open at instant ``at``."""
        _require_aware(at, "at")
        if self.always_open:
            return True
        local = at.astimezone(self._zone)
        day = local.date()
        if day in self._holiday_set:
            return False
        offset = local.replace(tzinfo=None) - datetime.combine(day, time())
        return self.hours.contains(day.weekday(), offset)

    def next_open(self, at: datetime) -> datetime:
        """Earliest open instant at or after ``at`` (``at`` itself, in UTC, when already open)."""
        _require_aware(at, "at")
        if self.always_open:
            return _to_aware(_to_naive_utc(at))
        return _to_aware(self._next_open_naive(_to_naive_utc(at)))

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """Instant at which ``minutes`` of business time have elapsed since ``start``.

        When ``start`` is outside working hours the clock starts at the next opening, so
        ``minutes == 0`` yields :meth:`next_open`. A deadline that falls exactly at the end of
        an interval is that end (not the next opening). Negative ``minutes`` count backwards.
        """
        _require_aware(start, "start")
        amount = timedelta(minutes=minutes)
        t = _to_naive_utc(start)
        if self.always_open:
            return _to_aware(t + amount)
        if amount >= _ZERO:
            return _to_aware(self._add_forward(t, amount))
        return _to_aware(self._add_backward(t, -amount))

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Business minutes in ``[a, b)``; negative when ``b`` is before ``a``."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        start, end = _to_naive_utc(a), _to_naive_utc(b)
        if end < start:
            return -self._between(end, start).total_seconds() / 60
        return self._between(start, end).total_seconds() / 60

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Exact business time in ``[a, b)`` as a timedelta (negative when ``b < a``)."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        start, end = _to_naive_utc(a), _to_naive_utc(b)
        if end < start:
            return -self._between(end, start)
        return self._between(start, end)

    def open_intervals(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open periods intersecting ``[a, b)`` as UTC-aware ``(start, end)`` pairs, in order."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        start, end = _to_naive_utc(a), _to_naive_utc(b)
        if self.always_open:
            if start < end:
                yield _to_aware(start), _to_aware(end)
            return
        pending: tuple[datetime, datetime] | None = None
        t = start
        while t < end:
            window_end = min(t + _DAY, end)
            for seg_start, seg_end in self._segments(t, window_end):
                if pending is not None and pending[1] == seg_start:
                    pending = (pending[0], seg_end)
                    continue
                if pending is not None:
                    yield _to_aware(pending[0]), _to_aware(pending[1])
                pending = (seg_start, seg_end)
            t = window_end
        if pending is not None:
            yield _to_aware(pending[0]), _to_aware(pending[1])

    # -- serialization ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "tz": self.tz,
            "always_open": self.always_open,
            "hours": self.hours.to_dict(),
            "holidays": [day.isoformat() for day in self._holiday_list],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        hours_data = data.get("hours")
        always_open = bool(data.get("always_open", False))
        hours = WorkingHours.from_dict(hours_data) if hours_data is not None else None
        return cls(
            tz=data.get("tz", "America/Monterrey"),
            hours=hours,
            holidays=[date.fromisoformat(day) for day in data.get("holidays", ())],
            always_open=always_open,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return (
            self.tz == other.tz
            and self.always_open == other.always_open
            and self.hours == other.hours
            and self._holiday_set == other._holiday_set
        )

    def __hash__(self) -> int:
        return hash((self.tz, self.always_open, self.hours, self._holiday_set))

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(tz={self.tz!r}, hours={self.hours!r}, "
            f"holidays=<{len(self._holiday_list)} dates>, always_open={self.always_open})"
        )

    # -- internals ----------------------------------------------------------------------------

    def _offset(self, t: datetime) -> timedelta:
        """UTC offset of the zone at naive-UTC instant ``t``."""
        offset = t.replace(tzinfo=UTC).astimezone(self._zone).utcoffset()
        assert offset is not None
        return offset

    def _constant_offset_pieces(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime, timedelta]]:
        """Split ``[start, end)`` (naive UTC, about a day long) into constant-offset pieces."""
        pieces: list[tuple[datetime, datetime, timedelta]] = []
        while start < end:
            first = self._offset(start)
            if self._offset(end) == first:
                # Two transitions within a single day that cancel out do not occur in tzdata.
                pieces.append((start, end, first))
                break
            lo, hi = start, end  # offset(lo) == first != offset(hi)
            while hi - lo > _MICROSECOND:
                mid = lo + (hi - lo) / 2
                if self._offset(mid) == first:
                    lo = mid
                else:
                    hi = mid
            pieces.append((start, hi, first))
            start = hi
        return pieces

    def _segments(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open segments within ``[start, end)`` (naive UTC), sorted and non-empty."""
        result: list[tuple[datetime, datetime]] = []
        for piece_start, piece_end, offset in self._constant_offset_pieces(start, end):
            wall_start, wall_end = piece_start + offset, piece_end + offset
            day = wall_start.date()
            last_day = (wall_end - _MICROSECOND).date()
            while day <= last_day:
                if day not in self._holiday_set:
                    midnight = datetime.combine(day, time())
                    for span_start, span_end in self.hours.spans(day.weekday()):
                        seg_start = max(midnight + span_start, wall_start)
                        seg_end = min(midnight + span_end, wall_end)
                        if seg_start < seg_end:
                            result.append((seg_start - offset, seg_end - offset))
                day += _DAY
        return result

    def _clean_weeks(self, t: datetime, max_weeks: int, *, forward: bool) -> int:
        """How many whole weeks (up to ``max_weeks``) from ``t`` hold exactly the nominal time.

        A span of whole weeks with a constant UTC offset and no holiday covers each weekly
        interval exactly once. ``forward`` looks at ``[t, t + k weeks)``, otherwise at
        ``[t - k weeks, t)``.
        """
        if max_weeks <= 0:
            return 0
        offset = self._offset(t)
        wall = t + offset
        weeks = max_weeks
        # No holiday among the local dates touched (checked first: it is cheap and bounds the
        # offset scan below).
        if forward:
            index = bisect.bisect_left(self._holiday_list, wall.date())
            if index < len(self._holiday_list):
                free = datetime.combine(self._holiday_list[index], time()) - wall
                weeks = min(weeks, free // _WEEK)
        else:
            index = bisect.bisect_right(self._holiday_list, (wall - _MICROSECOND).date())
            if index > 0:
                free = wall - (datetime.combine(self._holiday_list[index - 1], time()) + _DAY)
                weeks = min(weeks, free // _WEEK)
        if weeks <= 0:
            return 0
        # The UTC offset must stay constant; probing once per day is enough for real zones
        # (tzdata has no pair of transitions that cancel out within a day).
        sign = 1 if forward else -1
        days = 0
        limit = 7 * weeks
        while days < limit and self._offset(t + sign * (days + 1) * _DAY) == offset:
            days += 1
        return days // 7

    def _skippable_weeks(self, remaining: timedelta) -> int:
        """Weeks that can be skipped while strictly more than their time remains."""
        weeks, rest = divmod(remaining, self._week)
        if rest == _ZERO:
            weeks -= 1
        return max(int(weeks), 0)

    def _add_forward(self, t: datetime, remaining: timedelta) -> datetime:
        closed_days = 0
        while True:
            weeks = self._clean_weeks(t, self._skippable_weeks(remaining), forward=True)
            if weeks:
                t += weeks * _WEEK
                remaining -= weeks * self._week
            window_end = t + _DAY
            segments = self._segments(t, window_end)
            for seg_start, seg_end in segments:
                available = seg_end - seg_start
                if remaining <= available:
                    return seg_start + remaining
                remaining -= available
            closed_days = 0 if segments else closed_days + 1
            if closed_days > self._max_closed_days:  # pragma: no cover - defensive
                raise RuntimeError("business calendar never opens")
            t = window_end

    def _add_backward(self, t: datetime, remaining: timedelta) -> datetime:
        closed_days = 0
        while True:
            weeks = self._clean_weeks(t, self._skippable_weeks(remaining), forward=False)
            if weeks:
                t -= weeks * _WEEK
                remaining -= weeks * self._week
            window_start = t - _DAY
            segments = self._segments(window_start, t)
            for seg_start, seg_end in reversed(segments):
                available = seg_end - seg_start
                if remaining <= available:
                    return seg_end - remaining
                remaining -= available
            closed_days = 0 if segments else closed_days + 1
            if closed_days > self._max_closed_days:  # pragma: no cover - defensive
                raise RuntimeError("business calendar never opens")
            t = window_start

    def _next_open_naive(self, t: datetime) -> datetime:
        return self._add_forward(t, _ZERO)

    def _between(self, start: datetime, end: datetime) -> timedelta:
        if self.always_open:
            return end - start
        total = _ZERO
        t = start
        while t < end:
            weeks = self._clean_weeks(t, (end - t) // _WEEK, forward=True)
            if weeks:
                t += weeks * _WEEK
                total += weeks * self._week
                continue
            window_end = min(t + _DAY, end)
            for seg_start, seg_end in self._segments(t, window_end):
                total += seg_end - seg_start
            t = window_end
        return total


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _to_naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _to_aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)
