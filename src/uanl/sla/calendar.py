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

__all__ = ["BusinessCalendar", "WorkingHours"]

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)

# (start, end) offsets from local midnight; end may be exactly 24h.
_Span = tuple[timedelta, timedelta]
TimeLike = time | str
IntervalLike = tuple[TimeLike, TimeLike]
#: Weekday (0=Monday..6=Sunday, as int or str) -> intervals.
Schedule = Mapping[int, Iterable[IntervalLike]] | Mapping[str, Iterable[IntervalLike]]


def _parse_time(value: TimeLike, *, is_end: bool) -> timedelta:
    """Offset from midnight of ``value`` ("HH:MM[:SS]" or :class:`time`).

    ``"24:00"`` (and, for an interval end, ``00:00``) means end of day.
    """
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"working-hour times must be naive, got {value!r}")
        offset = timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            microseconds=value.microsecond,
        )
    elif isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(f"invalid time {value!r}, expected 'HH:MM' or 'HH:MM:SS'")
        hours, minutes = int(parts[0]), int(parts[1])
        seconds = int(parts[2]) if len(parts) == 3 else 0
        if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
            raise ValueError(f"invalid time {value!r}")
        offset = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    else:
        raise TypeError(f"expected datetime.time or 'HH:MM' string, got {type(value).__name__}")
    if is_end and offset == _ZERO:
        return _DAY
    if not is_end and offset == _DAY:
        raise ValueError("an interval cannot start at 24:00")
    return offset


def _format_offset(offset: timedelta) -> str:
    total = int(offset.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if offset.microseconds:
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{offset.microseconds:06d}"
    if seconds:
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{hours:02d}:{minutes:02d}"


def _offset_to_time(offset: timedelta) -> time:
    if offset >= _DAY:
        return time(0, 0)  # end of day
    return (datetime.min + offset).time()


class WorkingHours:
    """Weekly schedule: for each weekday (0=Monday..6=Sunday) a list of (start, end) intervals.

    Intervals are given as :class:`datetime.time` or ``"HH:MM"`` strings; an end of ``"24:00"``
    or ``00:00`` means "until midnight". Split shifts are several intervals on the same day;
    they must not overlap (touching intervals are merged). Missing weekdays are closed.
    Intervals spanning midnight are not supported: split them into two days.
    """

    __slots__ = ("_days",)

    def __init__(self, schedule: Schedule) -> None:
        days: list[list[_Span]] = [[] for _ in range(7)]
        for raw_key, intervals in schedule.items():
            weekday = self._parse_weekday(raw_key)
            spans = days[weekday]
            for interval in intervals:
                start_raw, end_raw = interval
                start = _parse_time(start_raw, is_end=False)
                end = _parse_time(end_raw, is_end=True)
                if end <= start:
                    raise ValueError(
                        f"weekday {weekday}: interval {start_raw!r}-{end_raw!r} ends before it "
                        "starts (midnight-spanning intervals are not supported)"
                    )
                spans.append((start, end))
        normalized: list[tuple[_Span, ...]] = []
        for weekday, spans in enumerate(days):
            spans.sort()
            merged: list[_Span] = []
            for start, end in spans:
                if merged and start < merged[-1][1]:
                    raise ValueError(f"weekday {weekday}: overlapping working-hour intervals")
                if merged and start == merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
                else:
                    merged.append((start, end))
            normalized.append(tuple(merged))
        self._days: tuple[tuple[_Span, ...], ...] = tuple(normalized)

    @staticmethod
    def _parse_weekday(raw: int | str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(f"invalid weekday {raw!r}, expected 0 (Monday) .. 6 (Sunday)")
        try:
            weekday = int(raw)
        except (TypeError, ValueError):
            raise ValueError(
                f"invalid weekday {raw!r}, expected 0 (Monday) .. 6 (Sunday)"
            ) from None
        if not 0 <= weekday <= 6:
            raise ValueError(f"invalid weekday {raw!r}, expected 0 (Monday) .. 6 (Sunday)")
        return weekday

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def uniform(
        cls, start: TimeLike, end: TimeLike, weekdays: Iterable[int] = range(5)
    ) -> WorkingHours:
        """The same single interval on each of ``weekdays`` (default Monday-Friday)."""
        return cls({day: [(start, end)] for day in weekdays})

    @classmethod
    def default(cls) -> WorkingHours:
        """Monday-Friday 09:00-18:00."""
        return cls.uniform("09:00", "18:00")

    @classmethod
    def around_the_clock(cls) -> WorkingHours:
        """00:00-24:00 every day (unlike ``always_open`` calendars, holidays still apply)."""
        return cls.uniform("00:00", "24:00", range(7))

    # -- accessors ----------------------------------------------------------------------------

    def spans(self, weekday: int) -> tuple[_Span, ...]:
        """Intervals of ``weekday`` as offsets from local midnight (sorted, non-overlapping)."""
        return self._days[weekday]

    def intervals(self, weekday: int) -> list[tuple[time, time]]:
        """Intervals of ``weekday`` as times; an end of ``time(0, 0)`` means midnight (24:00)."""
        return [(_offset_to_time(s), _offset_to_time(e)) for s, e in self._days[weekday]]

    def nominal_day(self, weekday: int) -> timedelta:
        return sum((end - start for start, end in self._days[weekday]), _ZERO)

    def nominal_week(self) -> timedelta:
        """Scheduled time per week, ignoring DST and holidays."""
        return sum((self.nominal_day(day) for day in range(7)), _ZERO)

    def contains(self, weekday: int, offset: timedelta) -> bool:
        """Whether ``offset`` (time since local midnight) is inside an interval of ``weekday``."""
        return any(start <= offset < end for start, end in self._days[weekday])

    # -- serialization ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[list[str]]]:
        """``{"0": [["09:00", "18:00"]], ...}``; closed weekdays are omitted."""
        return {
            str(day): [[_format_offset(s), _format_offset(e)] for s, e in spans]
            for day, spans in enumerate(self._days)
            if spans
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[Iterable[str]]]) -> WorkingHours:
        schedule: dict[str, list[IntervalLike]] = {}
        for key, intervals in data.items():
            pairs: list[IntervalLike] = []
            for interval in intervals:
                items = list(interval)
                if len(items) != 2:
                    raise ValueError(f"weekday {key}: interval must be [start, end], got {items}")
                pairs.append((items[0], items[1]))
            schedule[key] = pairs
        return cls(schedule)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingHours):
            return NotImplemented
        return self._days == other._days

    def __hash__(self) -> int:
        return hash(self._days)

    def __repr__(self) -> str:
        return f"WorkingHours({self.to_dict()!r})"


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
