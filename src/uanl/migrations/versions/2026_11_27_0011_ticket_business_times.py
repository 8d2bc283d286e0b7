"""Business-time first response and resolution on tickets (reports use them where an SLA
applies); existing tickets with a policy are filled in

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 20:00:00
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("tickets", sa.Column("first_response_business_s", sa.Float(), nullable=True))
    op.add_column("tickets", sa.Column("resolution_business_s", sa.Float(), nullable=True))
    _backfill()


def _backfill() -> None:
    """Tickets under an SLA policy that were answered or resolved before this migration.

    Core statements on the columns this revision knows (no ORM entity: later revisions may
    add columns, and an UPDATE here must not bump versions or write audit rows). The SLA
    arithmetic is the frozen copy below, not the live ``uanl.sla`` code."""
    bind = op.get_bind()
    t = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("first_responded_at", sa.DateTime(timezone=True)),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
        sa.column("sla_policy_id", sa.Integer),
        sa.column("sla_paused_minutes", sa.Float),
        sa.column("first_response_business_s", sa.Float),
        sa.column("resolution_business_s", sa.Float),
    )
    sla: _SlaCalendars | None = None  # read once, and only if some ticket needs it
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                t.c.id,
                t.c.created_at,
                t.c.first_responded_at,
                t.c.resolved_at,
                t.c.sla_policy_id,
                t.c.sla_paused_minutes,
            )
            .where(
                t.c.id > last,
                t.c.sla_policy_id.is_not(None),
                sa.or_(t.c.first_responded_at.is_not(None), t.c.resolved_at.is_not(None)),
            )
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        sla = sla or _SlaCalendars.load(bind)
        updates = []
        for row in rows:
            created, responded, resolved = (
                _aware(_dt(v)) for v in (row.created_at, row.first_responded_at, row.resolved_at)
            )
            calendar = sla.calendar_of(row.sla_policy_id)
            paused = row.sla_paused_minutes
            frb = _sla_seconds(calendar, created, responded, paused) if responded else None
            rb = _sla_seconds(calendar, created, resolved, paused) if resolved else None
            updates.append({"tid": row.id, "frb": frb, "rb": rb})
        bind.execute(
            t.update()
            .where(t.c.id == sa.bindparam("tid"))
            .values(
                first_response_business_s=sa.bindparam("frb"),
                resolution_business_s=sa.bindparam("rb"),
            ),
            updates,
        )
        last = rows[-1].id


def _dt(value: object) -> datetime | None:
    """SQLite hands back text for a plain table() column; PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _aware(value: datetime | None) -> datetime | None:
    """A UTC-aware instant (naive values are UTC), as the application reads timestamps."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# -- frozen SLA arithmetic -------------------------------------------------------------------
# A copy of what the backfill needs from uanl.sla (policies.load_config and calendar_from_values,
# service.business_seconds_to, calendar.BusinessCalendar.business_time_between and
# working_hours.WorkingHours.from_dict) as of this revision, so that this migration computes
# the same values whatever the live SLA code becomes.


def _sla_seconds(
    calendar: _Calendar, created: datetime | None, moment: datetime, paused: float | None
) -> float | None:
    """Business seconds from creation to ``moment`` minus the business time paused so far."""
    if created is None:
        return None
    elapsed = calendar.business_time_between(created, moment).total_seconds()
    return max(0.0, elapsed - float(paused or 0.0) * 60)


class _SlaCalendars:
    """Each policy's calendar id and the parsed calendars, as the SLA engine read them."""

    def __init__(
        self,
        policy_calendars: dict[int, int | None],
        calendars: dict[int, _Calendar],
        default_id: int | None,
    ) -> None:
        self.policy_calendars = policy_calendars
        self.calendars = calendars
        self.default_id = default_id
        self._fallback: _Calendar | None = None

    @classmethod
    def load(cls, bind: sa.Connection) -> _SlaCalendars:
        policies = sa.table(
            "sla_policies", sa.column("id", sa.Integer), sa.column("calendar_id", sa.Integer)
        )
        cals = sa.table(
            "business_calendars",
            sa.column("id", sa.Integer),
            sa.column("tz", sa.String),
            sa.column("always_open", sa.Boolean),
            sa.column("hours", sa.JSON),
            sa.column("holidays", sa.JSON),
            sa.column("is_default", sa.Boolean),
        )
        policy_calendars = dict(
            bind.execute(sa.select(policies.c.id, policies.c.calendar_id)).tuples().all()
        )
        calendars: dict[int, _Calendar] = {}
        default_id: int | None = None
        for row in bind.execute(sa.select(cals).order_by(cals.c.id)):
            try:
                calendars[row.id] = _Calendar.from_values(
                    row.tz, row.always_open, row.hours, row.holidays
                )
            except (ValueError, TypeError):
                continue  # an invalid row was skipped: its policies use the default calendar
            if row.is_default and default_id is None:
                default_id = row.id
        return cls(policy_calendars, calendars, default_id)

    def calendar_of(self, policy_id: int | None) -> _Calendar:
        """The policy's calendar, else the default one, else Mon-Fri 09-18 in TIMEZONE."""
        calendar_id = self.policy_calendars.get(policy_id) if policy_id else None
        if calendar_id in self.calendars:
            return self.calendars[calendar_id]
        if self.default_id in self.calendars:
            return self.calendars[self.default_id]
        if self._fallback is None:
            # The deployment's configured desk time zone (a setting, not SLA logic).
            from uanl.core import config

            monday_to_friday = {str(day): [["09:00", "18:00"]] for day in range(5)}
            self._fallback = _Calendar(
                config.get_settings().timezone, _parse_hours(monday_to_friday), (), False
            )
        return self._fallback


_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)
_Span = tuple[timedelta, timedelta]


class _Calendar:
    """Working hours (wall clock, per weekday) and holidays in a time zone, or always open."""

    def __init__(
        self,
        tz: str,
        hours: tuple[tuple[_Span, ...], ...],
        holidays: Iterable[date],
        always_open: bool,
    ) -> None:
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.hours = hours
        self.always_open = bool(always_open)
        self.holiday_set = frozenset(holidays)
        self.holiday_list = sorted(self.holiday_set)
        self.week = sum((end - start for spans in hours for start, end in spans), _ZERO)
        if not self.always_open and self.week <= _ZERO:
            raise ValueError("a calendar needs working hours on at least one weekday")

    @classmethod
    def from_values(
        cls, tz: str, always_open: bool, hours: Any, holidays: list[Any] | None
    ) -> _Calendar:
        days = [
            date.fromisoformat(str(h.get("date") if isinstance(h, dict) else h))
            for h in holidays or []
        ]
        # An always-open calendar without hours never reads them.
        spans = _parse_hours(hours or {}) if hours or not always_open else ((),) * 7
        return cls(tz, spans, days, always_open)

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)`` (negative when ``b < a``); ``a``, ``b`` UTC-aware."""
        start = a.astimezone(UTC).replace(tzinfo=None)
        end = b.astimezone(UTC).replace(tzinfo=None)
        if end < start:
            return -self._between(end, start)
        return self._between(start, end)

    def _between(self, start: datetime, end: datetime) -> timedelta:
        if self.always_open:
            return end - start
        total = _ZERO
        t = start
        while t < end:
            weeks = self._clean_weeks(t, (end - t) // _WEEK)
            if weeks:
                t += weeks * _WEEK
                total += weeks * self.week
                continue
            window_end = min(t + _DAY, end)
            for seg_start, seg_end in self._segments(t, window_end):
                total += seg_end - seg_start
            t = window_end
        return total

    def _offset(self, t: datetime) -> timedelta:
        """UTC offset of the zone at naive-UTC instant ``t``."""
        offset = t.replace(tzinfo=UTC).astimezone(self.zone).utcoffset()
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
                if day not in self.holiday_set:
                    midnight = datetime.combine(day, time())
                    for span_start, span_end in self.hours[day.weekday()]:
                        seg_start = max(midnight + span_start, wall_start)
                        seg_end = min(midnight + span_end, wall_end)
                        if seg_start < seg_end:
                            result.append((seg_start - offset, seg_end - offset))
                day += _DAY
        return result

    def _clean_weeks(self, t: datetime, max_weeks: int) -> int:
        """How many whole weeks (up to ``max_weeks``) from ``t`` hold exactly the nominal
        time: no holiday among their local dates and a constant UTC offset."""
        if max_weeks <= 0:
            return 0
        offset = self._offset(t)
        wall = t + offset
        weeks = max_weeks
        index = bisect.bisect_left(self.holiday_list, wall.date())
        if index < len(self.holiday_list):
            free = datetime.combine(self.holiday_list[index], time()) - wall
            weeks = min(weeks, free // _WEEK)
        if weeks <= 0:
            return 0
        days = 0
        while days < 7 * weeks and self._offset(t + (days + 1) * _DAY) == offset:
            days += 1
        return days // 7


def _parse_hours(data: Any) -> tuple[tuple[_Span, ...], ...]:
    """``{"0": [["09:00", "18:00"]], ...}`` (weekday 0 is Monday) as sorted, merged spans
    (offsets from local midnight) per weekday; ValueError/TypeError when invalid."""
    days: list[list[_Span]] = [[] for _ in range(7)]
    for key, intervals in data.items():
        weekday = _parse_weekday(key)
        for interval in intervals:
            items = list(interval)
            if len(items) != 2:
                raise ValueError(f"weekday {key}: interval must be [start, end], got {items}")
            start = _parse_time(items[0], is_end=False)
            end = _parse_time(items[1], is_end=True)
            if end <= start:
                raise ValueError(f"weekday {weekday}: interval ends before it starts")
            days[weekday].append((start, end))
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
    return tuple(normalized)


def _parse_weekday(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"invalid weekday {raw!r}")
    try:
        weekday = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"invalid weekday {raw!r}") from None
    if not 0 <= weekday <= 6:
        raise ValueError(f"invalid weekday {raw!r}")
    return weekday


def _parse_time(value: Any, *, is_end: bool) -> timedelta:
    """Offset from midnight of ``"HH:MM[:SS]"``; ``"24:00"`` (and ``"00:00"`` as an end) is
    the end of the day."""
    if not isinstance(value, str):
        raise TypeError(f"expected an 'HH:MM' string, got {type(value).__name__}")
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"invalid time {value!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    seconds = int(parts[2]) if len(parts) == 3 else 0
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise ValueError(f"invalid time {value!r}")
    offset = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if is_end and offset == _ZERO:
        return _DAY
    if not is_end and offset == _DAY:
        raise ValueError("an interval cannot start at 24:00")
    return offset


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of `tickets` would try to copy its
    # generated column `priority_rank`.
    op.drop_column("tickets", "resolution_business_s")
    op.drop_column("tickets", "first_response_business_s")
