"""Recurrences for scheduled reports: a simple form and a 5-field cron subset, in a time zone.

Simple: {"every": "day"|"week"|"month", "at": "08:00", "weekday": 0..6 (0 = Monday),
"day": 1..28}. Cron: {"cron": "minute hour day-of-month month day-of-week"} with `*`,
lists (1,15), ranges (1-5), steps (*/15, 1-30/5); day-of-week 0 or 7 = Sunday. As in cron,
when both day fields are restricted a day matching either one runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from uanl.core.errors import ValidationFailed

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))
_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_PART = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")
MAX_DAYS_AHEAD = 366 * 8  # covers Feb 29 rules


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # cron numbering: 0 = Sunday
    day_any: bool
    weekday_any: bool

    def day_matches(self, d: date) -> bool:
        if d.month not in self.months:
            return False
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.day_any and self.weekday_any:
            return True
        if self.day_any:
            return dow
        if self.weekday_any:
            return dom
        return dom or dow


def _field(text: str, name: str, lo: int, hi: int, where: str) -> tuple[set[int], bool]:
    values: set[int] = set()
    for part in text.split(","):
        m = _PART.match(part)
        if not m:
            raise ValidationFailed(where, f"{name} field {text!r} is not valid cron syntax")
        base, step_s = m.group(1), m.group(2)
        step = int(step_s) if step_s else 1
        if step < 1:
            raise ValidationFailed(where, f"{name} step must be at least 1")
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = end = int(base)
            if step_s:
                end = hi
        if not (lo <= start <= hi and lo <= end <= hi) or start > end:
            raise ValidationFailed(where, f"{name} values must be within {lo}-{hi}: {part!r}")
        values.update(range(start, end + 1, step))
    return values, text == "*"


def parse_cron(expr: str, where: str = "recurrence.cron") -> Cron:
    parts = expr.split()
    if len(parts) != 5:
        raise ValidationFailed(where, "cron needs 5 fields: minute hour day month weekday")
    parsed = [_field(p, n, lo, hi, where) for p, (n, lo, hi) in zip(parts, FIELDS, strict=True)]
    weekdays = {d % 7 for d in parsed[4][0]}
    return Cron(
        minutes=tuple(sorted(parsed[0][0])),
        hours=tuple(sorted(parsed[1][0])),
        days=frozenset(parsed[2][0]),
        months=frozenset(parsed[3][0]),
        weekdays=frozenset(weekdays),
        day_any=parsed[2][1],
        weekday_any=parsed[4][1],
    )


def _int(spec: dict[str, Any], key: str, lo: int, hi: int) -> int:
    value = spec.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValidationFailed(f"recurrence.{key}", f"must be an integer from {lo} to {hi}")
    return value


def to_cron(spec: dict[str, Any]) -> Cron:
    """Validate either form and return its cron equivalent (422 naming the field)."""
    if not isinstance(spec, dict):
        raise ValidationFailed("recurrence", "must be an object")
    if "cron" in spec:
        extra = set(spec) - {"cron"}
        if extra:
            raise ValidationFailed(f"recurrence.{sorted(extra)[0]}", "not allowed with cron")
        if not isinstance(spec["cron"], str):
            raise ValidationFailed("recurrence.cron", "must be a string")
        return parse_cron(spec["cron"])
    every = spec.get("every")
    if every not in ("day", "week", "month"):
        raise ValidationFailed("recurrence.every", "must be day, week or month (or give cron)")
    allowed = {"every", "at"} | ({"weekday"} if every == "week" else set())
    allowed |= {"day"} if every == "month" else set()
    extra = set(spec) - allowed
    if extra:
        raise ValidationFailed(f"recurrence.{sorted(extra)[0]}", f"not allowed with every={every}")
    at = spec.get("at", "08:00")
    m = _AT.match(at) if isinstance(at, str) else None
    if not m:
        raise ValidationFailed("recurrence.at", "must be HH:MM (24 h)")
    hh, mm = int(m.group(1)), int(m.group(2))
    if every == "day":
        return parse_cron(f"{mm} {hh} * * *")
    if every == "week":
        weekday = _int(spec, "weekday", 0, 6)
        return parse_cron(f"{mm} {hh} * * {(weekday + 1) % 7}")
    return parse_cron(f"{mm} {hh} {_int(spec, 'day', 1, 28)} * *")


def next_run(cron: Cron, after: datetime, tz: ZoneInfo) -> datetime:
    """The first occurrence strictly after `after`, as an aware instant."""
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(MAX_DAYS_AHEAD):
        if cron.day_matches(day):
            for hour in cron.hours:
                for minute in cron.minutes:
                    candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
                    if candidate > after:
                        return candidate
        day += timedelta(days=1)
    raise ValidationFailed("recurrence", "never runs (no matching date)")


def next_occurrence(spec: dict[str, Any], timezone: str, after: datetime) -> datetime:
    return next_run(to_cron(spec), after, ZoneInfo(timezone))
