"""Reporting periods ("la semana pasada", "from November 1 to 15") as inclusive date ranges."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

from .dates import _ALT_FULL_MONTH, _ALT_MONTH, _ALT_NUM, MONTHS, _day_month, _num, _year

Period = tuple[date, date]

_ORD = r"(?:st|nd|rd|th|ro|o)?"
_TO = r"(?:al|a|hasta el|hasta|y el|to|until|till|through|thru|and|-)"
_ES_RANGE = re.compile(
    rf"\b(?:del|de|desde el|desde|entre el|entre)\s+(\d{{1,2}})(?:\s+de\s+({_ALT_MONTH}))?"
    rf"\s+{_TO}\s+(?:el\s+)?(\d{{1,2}})\s+de\s+({_ALT_MONTH})(?:\s+(?:de|del)\s+(\d{{4}}))?"
)
_EN_RANGE = re.compile(
    rf"\b(?:from|between)\s+({_ALT_MONTH})\s+(\d{{1,2}}){_ORD}(?:,?\s+(\d{{4}}))?"
    rf"\s+{_TO}\s+(?:({_ALT_MONTH})\s+)?(\d{{1,2}}){_ORD}\b(?:,?\s+(\d{{4}}))?"
)
_EN_RANGE_DAY_FIRST = re.compile(
    rf"\b(?:from|between)\s+(?:the\s+)?(\d{{1,2}}){_ORD}\s+{_TO}\s+(?:the\s+)?(\d{{1,2}}){_ORD}"
    rf"\s+(?:of\s+)?({_ALT_MONTH})\b(?:,?\s+(\d{{4}}))?"
)
_NUMERIC_RANGE = re.compile(
    rf"\b(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{2,4}}))?\s+{_TO}\s+(?:el\s+)?"
    r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b"
)
_LAST_N = re.compile(
    rf"\b(?:ultimos|ultimas|last|past|previous)\s+({_ALT_NUM})\s+"
    r"(dias|dia|days|day|semanas|weeks|meses|months)\b"
    # Spanish "la ultima semana" / "el ultimo mes" is a rolling window; English "last week"
    # is the previous calendar week and is handled by _NAMED.
    r"|\b(?:ultimo|ultima)\s+(?:(\d{1,3})\s+)?(semana|mes|dia)\b"
)
_SINGLE_DAY = re.compile(
    rf"\b(?:el\s+)?(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_ALT_MONTH})\b(?:\s+(?:de\s+)?(\d{{4}}))?"
    rf"|\b({_ALT_MONTH})\s+(\d{{1,2}}){_ORD}\b(?:,?\s+(\d{{4}}))?"
)
_MONTH_NAME = re.compile(rf"\b({_ALT_FULL_MONTH})\b(?:\s+(?:de\s+|del\s+)?(\d{{4}}))?")
_NAMED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(semana pasada|semana anterior|last week|previous week|past week)\b"), "lw"),
    (re.compile(r"\b(esta semana|this week|semana actual|current week|week to date)\b"), "tw"),
    (re.compile(r"\b(mes pasado|mes anterior|last month|previous month|past month)\b"), "lm"),
    (re.compile(r"\b(este mes|this month|mes actual|current month|lo que va del mes)\b"), "tm"),
    (re.compile(r"\b(ano pasado|ano anterior|last year|previous year|past year)\b"), "ly"),
    (re.compile(r"\b(este ano|this year|ano actual|current year|lo que va del ano)\b"), "ty"),
    (re.compile(r"\b(antier|anteayer|antes de ayer|day before yesterday)\b"), "d2"),
    (re.compile(r"\b(ayer|yesterday)\b"), "d1"),
    (re.compile(r"\b(hoy|today|en el dia|so far today)\b"), "d0"),
]


def _month_bounds(year: int, month: int) -> Period:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _named(kind: str, today: date) -> Period:
    monday = today - timedelta(days=today.weekday())
    if kind == "lw":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if kind == "tw":
        return monday, today
    if kind == "lm":
        prev = today.replace(day=1) - timedelta(days=1)
        return _month_bounds(prev.year, prev.month)
    if kind == "tm":
        return today.replace(day=1), today
    if kind == "ly":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if kind == "ty":
        return date(today.year, 1, 1), today
    back = {"d2": 2, "d1": 1, "d0": 0}[kind]
    day = today - timedelta(days=back)
    return day, day


def _range(today: date, m1: int, d1: int, m2: int, d2: int, year: int | None) -> Period | None:
    """Build a range; without a year take the latest one that has already started."""
    try:
        if year is not None:
            start_year = year - 1 if m1 > m2 else year
            return date(start_year, m1, d1), date(year, m2, d2)
        start = date(today.year, m1, d1)
        if start > today:
            start = date(today.year - 1, m1, d1)
        end = date(start.year + (1 if m2 < m1 else 0), m2, d2)
        return (start, end) if start <= end else None
    except ValueError:
        return None


def _explicit_range(text: str, today: date) -> Period | None:
    m = _ES_RANGE.search(text)
    if m:
        m2 = MONTHS[m.group(4)]
        m1 = MONTHS[m.group(2)] if m.group(2) else m2
        return _range(today, m1, int(m.group(1)), m2, int(m.group(3)), _year(m.group(5)))
    m = _EN_RANGE.search(text)
    if m:
        m1 = MONTHS[m.group(1)]
        m2 = MONTHS[m.group(4)] if m.group(4) else m1
        year = _year(m.group(6)) or _year(m.group(3))
        return _range(today, m1, int(m.group(2)), m2, int(m.group(5)), year)
    m = _EN_RANGE_DAY_FIRST.search(text)
    if m:
        month = MONTHS[m.group(3)]
        return _range(today, month, int(m.group(1)), month, int(m.group(2)), _year(m.group(4)))
    m = _NUMERIC_RANGE.search(text)
    if m:
        d1, m1 = _day_month(int(m.group(1)), int(m.group(2)))
        d2, m2 = _day_month(int(m.group(4)), int(m.group(5)))
        return _range(today, m1, d1, m2, d2, _year(m.group(6)) or _year(m.group(3)))
    return None


def _most_recent_day(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate <= today else date(today.year - 1, month, day)
    except ValueError:
        return None


def parse_period(text: str, today: date) -> Period | None:
    """Resolve the reporting period named in normalised text, most specific phrasing first."""
    found = _explicit_range(text, today)
    if found:
        return found
    m = _LAST_N.search(text)
    if m:
        if m.group(1):
            amount, unit = _num(m.group(1)), m.group(2)
        else:
            amount, unit = int(m.group(3) or 1), m.group(4)
        if amount <= 0:
            return None
        if unit.startswith(("mes", "month")):
            return _shift_months(today, amount) + timedelta(days=1), today
        days = amount * 7 if unit.startswith(("semana", "week")) else amount
        return today - timedelta(days=days - 1), today
    for pattern, kind in _NAMED:
        if pattern.search(text):
            return _named(kind, today)
    m = _SINGLE_DAY.search(text)
    if m:
        if m.group(1):
            day, month, year = int(m.group(1)), MONTHS[m.group(2)], _year(m.group(3))
        else:
            day, month, year = int(m.group(5)), MONTHS[m.group(4)], _year(m.group(6))
        found_day = _most_recent_day(today, month, day, year)
        if found_day:
            return found_day, found_day
    m = _MONTH_NAME.search(text)
    if m:
        month = MONTHS[m.group(1)]
        year = _year(m.group(2))
        if year is None:
            year = today.year if month < today.month else today.year - 1
        return _month_bounds(year, month)
    return None
