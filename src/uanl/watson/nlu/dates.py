"""Spanish/English date, time and period resolution over normalised text.

Conventions (documented because they are choices, not facts):
* A date without a time resolves to 09:00, the start of the service desk's working day.
  A part of the day without an hour uses 09:00 (morning), 15:00 (afternoon) or 19:00 (night).
* A bare hour from 1 to 6 without am/pm or a part of the day means the afternoon (13-18 h):
  nobody books a technician at 3 a.m.
* A time without a date is today if it is still in the future, otherwise tomorrow.
* A bare weekday ("el lunes", "on Friday", also "el próximo lunes") is its next occurrence
  strictly after today; asking on a Thursday for "el jueves" means a week from today.
* A day and month without a year ("el 10 de diciembre", "10/12") is the next such date on or
  after today. Numeric dates are read as dd/mm (Mexican usage) unless that is impossible.
* Periods resolve to past, inclusive ranges: a bare month name is its most recent whole
  occurrence, a day range without a year is the most recent one that has already started.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

MONTHS: dict[str, int] = {
    "enero": 1, "january": 1, "ene": 1, "jan": 1, "febrero": 2, "february": 2, "feb": 2,
    "marzo": 3, "march": 3, "mar": 3, "abril": 4, "april": 4, "abr": 4, "apr": 4,
    "mayo": 5, "may": 5, "junio": 6, "june": 6, "jun": 6, "julio": 7, "july": 7, "jul": 7,
    "agosto": 8, "august": 8, "ago": 8, "aug": 8, "septiembre": 9, "setiembre": 9,
    "september": 9, "sept": 9, "sep": 9, "octubre": 10, "october": 10, "oct": 10,
    "noviembre": 11, "november": 11, "nov": 11, "diciembre": 12, "december": 12, "dic": 12,
    "dec": 12,
}  # fmt: skip
_FULL_MONTHS = [m for m in MONTHS if len(m) > 4 or m in ("mayo", "june", "july", "may")]
WEEKDAYS: dict[str, int] = {
    "lunes": 0, "monday": 0, "martes": 1, "tuesday": 1, "miercoles": 2, "wednesday": 2,
    "jueves": 3, "thursday": 3, "viernes": 4, "friday": 4, "sabado": 5, "saturday": 5,
    "domingo": 6, "sunday": 6,
}  # fmt: skip
NUMBER_WORDS: dict[str, int] = {
    "un": 1, "una": 1, "uno": 1, "a": 1, "an": 1, "one": 1, "dos": 2, "two": 2, "tres": 3,
    "three": 3, "cuatro": 4, "four": 4, "cinco": 5, "five": 5, "seis": 6, "six": 6,
    "siete": 7, "seven": 7, "ocho": 8, "eight": 8, "diez": 10, "ten": 10, "quince": 15,
    "fifteen": 15, "veinte": 20, "twenty": 20, "treinta": 30, "thirty": 30, "noventa": 90,
    "ninety": 90,
}  # fmt: skip

_ALT_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ALT_FULL_MONTH = "|".join(sorted(_FULL_MONTHS, key=len, reverse=True))
_ALT_DAY = "|".join(WEEKDAYS)
_ALT_NUM = r"\d{1,3}|" + "|".join(NUMBER_WORDS)
_ORD = r"(?:st|nd|rd|th|ro|o)?"

_DAY_OF_MONTH = re.compile(
    rf"\b(\d{{1,2}}){_ORD} (?:de |of )?({_ALT_MONTH})\b(?: (?:de |del )?(\d{{4}}))?"
)
_MONTH_DAY = re.compile(rf"\b({_ALT_MONTH}) (\d{{1,2}}){_ORD}\b(?:,? (\d{{4}}))?")
_NUMERIC = re.compile(r"(?<![\d:/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])")
_WEEKDAY = re.compile(rf"\b({_ALT_DAY})\b")
_TOMORROW = re.compile(r"(?<!la )(?<!esta )(?<!pasado )\b(manana|tomorrow)\b")
_DAY_AFTER = re.compile(r"\b(pasado manana|day after tomorrow)\b")
_NEXT_WEEK = re.compile(r"\b(?:(?:la )?(?:proxima|siguiente) semana|semana que viene|next week)\b")
_TODAY = re.compile(r"\b(hoy|today|tonight|esta noche|esta tarde|this afternoon|this evening)\b")
_RELATIVE = re.compile(
    rf"\b(?:en|dentro de|in|within) ({_ALT_NUM}) (horas?|hours?|minutos?|minutes?|dias?|days?)\b"
)
_NOON = re.compile(r"\b(medio ?dia|noon|midday)\b")
_MIDNIGHT = re.compile(r"\b(media ?noche|midnight)\b")
_MERIDIEM = r"(am|pm|a\.?m|p\.?m|hrs|hr|horas|h)\b"
_CLOCK = re.compile(rf"\b(\d{{1,2}})[:.](\d{{2}})(?!\d)\s*(?:{_MERIDIEM})?")
_AT_HOUR = re.compile(
    r"\b(?:a las|a la|para las|tipo|como a las|las|at|around|by|@)\s*(\d{1,2})"
    rf"(?:\s*y\s*(media|cuarto|\d{{2}}))?\b\s*(?:{_MERIDIEM})?"
)
_HOUR_MERIDIEM = re.compile(r"\b(\d{1,2})\s*(am|pm|a\.?m|p\.?m)\b")
_PART_AFTER = re.compile(
    r"^\s*(?:de|en|por|in)?\s*(?:la|the)?\s*(manana|tarde|noche|morning|afternoon|evening|night)"
)
_PART_ALONE = re.compile(
    r"\b(?:en|por|de|in|during)\s+(?:la|the)\s+(manana|tarde|noche|morning|afternoon|evening|night)\b"
)
_PART_HOUR = {"manana": 9, "morning": 9, "tarde": 15, "afternoon": 15, "noche": 19}
_PART_HOUR |= {"evening": 19, "night": 19}
_PAST_CLAUSE = re.compile(
    r"\b(?:desde|since|hace)\s+(?:el |la |las |the |hoy |a las )?\S+(?: \S+)?"
)


def _num(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


def _next_on_or_after(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _day_month(a: int, b: int) -> tuple[int, int]:
    # Mexican dd/mm unless the first number cannot be a day-of-month order.
    return (b, a) if b > 12 >= a else (a, b)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def find_date(text: str, today: date) -> tuple[date | None, str | None]:
    """Return the date a future-looking expression names and the kind of phrase that named it."""
    if _DAY_AFTER.search(text):
        return today + timedelta(days=2), "relative"
    for pattern, day_first in ((_DAY_OF_MONTH, True), (_MONTH_DAY, False)):
        m = pattern.search(text)
        if m:
            day_s, month_s = (m.group(1), m.group(2)) if day_first else (m.group(2), m.group(1))
            found = _next_on_or_after(today, MONTHS[month_s], int(day_s), _year(m.group(3)))
            if found:
                return found, "explicit"
    m = _NUMERIC.search(text)
    if m:
        day, month = _day_month(int(m.group(1)), int(m.group(2)))
        found = _next_on_or_after(today, month, day, _year(m.group(3)))
        if found:
            return found, "explicit"
    if _TOMORROW.search(text):
        return today + timedelta(days=1), "relative"
    m = _WEEKDAY.search(text)
    if m:
        ahead = (WEEKDAYS[m.group(1)] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead), "weekday"
    if _NEXT_WEEK.search(text):
        return today + timedelta(days=7 - today.weekday()), "weekday"
    m = _TODAY.search(text)
    if m:
        return today, "today"
    return None, None


def _apply_meridiem(hour: int, meridiem: str | None, part: str | None) -> int:
    mer = (meridiem or "").replace(".", "")
    if mer == "pm" and hour < 12:
        return hour + 12
    if mer == "am" and hour == 12:
        return 0
    if mer in ("am", "pm"):
        return hour
    if part in ("tarde", "afternoon", "noche", "evening", "night") and hour < 12:
        return hour + 12
    if part in ("manana", "morning") or mer in ("hrs", "hr", "horas", "h"):
        return hour
    return hour + 12 if 1 <= hour <= 6 else hour


def _part_after(text: str, end: int) -> str | None:
    m = _PART_AFTER.match(text[end:])
    return m.group(1) if m else None


def find_time(text: str) -> time | None:
    """Return the clock time a phrase names, or None."""
    if _NOON.search(text):
        return time(12, 0)
    if _MIDNIGHT.search(text):
        return time(0, 0)
    m = _CLOCK.search(text)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        hour = _apply_meridiem(int(m.group(1)), m.group(3), _part_after(text, m.end()))
        return time(hour % 24, int(m.group(2)))
    for pattern in (_AT_HOUR, _HOUR_MERIDIEM):
        m = pattern.search(text)
        if not m or int(m.group(1)) > 23:
            continue
        minute = 0
        meridiem = m.group(2)
        if pattern is _AT_HOUR:
            extra = m.group(2) or ""
            minute = int(extra) if extra.isdigit() else {"media": 30, "cuarto": 15}.get(extra, 0)
            minute = minute if minute < 60 else 0
            meridiem = m.group(3)
        hour = _apply_meridiem(int(m.group(1)), meridiem, _part_after(text, m.end()))
        return time(hour % 24, minute)
    return None


def _part_of_day(text: str) -> time | None:
    m = _PART_ALONE.search(text)
    if m:
        return time(_PART_HOUR[m.group(1)], 0)
    if re.search(r"\b(tonight|esta noche|this evening)\b", text):
        return time(19, 0)
    if re.search(r"\b(esta tarde|this afternoon)\b", text):
        return time(15, 0)
    return None


def parse_when(text: str, reference: datetime, future_only: bool = False) -> datetime | None:
    """Resolve the moment a normalised request points at, in reference's timezone.

    future_only drops results that are not after the reference and a bare "hoy"; it is used for
    problem reports, where dates usually describe when something broke rather than a booking.
    """
    text = _PAST_CLAUSE.sub(" ", text)
    today = reference.date()
    m = _RELATIVE.search(text)
    if m:
        amount, unit = _num(m.group(1)), m.group(2)
        if unit.startswith(("hora", "hour")):
            delta = timedelta(hours=amount)
        elif unit.startswith("minut"):
            delta = timedelta(minutes=amount)
        else:
            delta = timedelta(days=amount)
        return (reference + delta).replace(second=0, microsecond=0)
    day, kind = find_date(text, today)
    clock = find_time(text)
    if day is None and clock is None:
        return None
    if day is None:
        assert clock is not None
        candidate = datetime.combine(today, clock, tzinfo=reference.tzinfo)
        if candidate <= reference:
            candidate += timedelta(days=1)
        return candidate
    if clock is None:
        if future_only and kind == "today":
            return None
        clock = _part_of_day(text) or time(9, 0)
    result = datetime.combine(day, clock, tzinfo=reference.tzinfo)
    if future_only and result <= reference:
        return None
    return result
