"""Weekly working hours: the wall-clock intervals a business calendar is open on each weekday.

Intervals are kept as offsets from local midnight (:class:`~datetime.timedelta`, exact to the
microsecond); :mod:`uanl.sla.calendar` turns them into business time in a time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta

__all__ = ["IntervalLike", "Schedule", "TimeLike", "WorkingHours"]

_DAY = timedelta(days=1)
_ZERO = timedelta(0)

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
