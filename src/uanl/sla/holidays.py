"""Mexico's statutory rest days (Ley Federal del Trabajo, art. 74).

Rules implemented (current text of art. 74, reform of 2006 and of 2024 onwards):

* I.    1 de enero — Año Nuevo
* II.   primer lunes de febrero — Día de la Constitución (5 de febrero before 2006)
* III.  tercer lunes de marzo — Natalicio de Benito Juárez (21 de marzo before 2006)
* IV.   1 de mayo — Día del Trabajo
* V.    16 de septiembre — Día de la Independencia
* VI.   tercer lunes de noviembre — Revolución Mexicana (20 de noviembre before 2006)
* VII.  1 de octubre cada seis años desde 2024 — Transmisión del Poder Ejecutivo Federal
        (1 de diciembre every six years up to 2018)
* VIII. 25 de diciembre — Navidad

Fraction IX (election days set by federal/local electoral law) has no fixed date and is not
generated here: add those dates to a calendar explicitly.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = [
    "FIRST_SUPPORTED_YEAR",
    "mexico_holidays_between",
    "mexico_official_holidays",
    "nth_weekday",
]

#: The Ley Federal del Trabajo in force today dates from 1970; earlier years are not modeled.
FIRST_SUPPORTED_YEAR = 1970
#: Year from which the "Monday" rules (DOF 17-01-2006) apply.
_MONDAY_RULES_FROM = 2006
#: First presidential inauguration held on October 1st instead of December 1st.
_OCTOBER_TRANSMISSION_FROM = 2024

_MONDAY = 0


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th (1-based) ``weekday`` (0=Monday..6=Sunday) of ``month`` in ``year``."""
    if not 1 <= n <= 5:
        raise ValueError(f"n must be between 1 and 5, got {n}")
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be between 0 and 6, got {weekday}")
    first = date(year, month, 1)
    delta = (weekday - first.weekday()) % 7
    result = first + timedelta(days=delta + 7 * (n - 1))
    if result.month != month:
        raise ValueError(f"there is no {n}th weekday {weekday} in {year}-{month:02d}")
    return result


def _is_transmission_year(year: int) -> bool:
    # Presidential terms are six years long and start in 2024, 2018, 2012, ... (year % 6 == 2).
    return year % 6 == _OCTOBER_TRANSMISSION_FROM % 6


def mexico_official_holidays(year: int) -> list[tuple[date, str]]:
    """Statutory holidays of ``year`` as ``(date, spanish name)`` pairs, sorted by date."""
    if year < FIRST_SUPPORTED_YEAR:
        raise ValueError(f"years before {FIRST_SUPPORTED_YEAR} are not supported: {year}")
    if year >= _MONDAY_RULES_FROM:
        constitution = nth_weekday(year, 2, _MONDAY, 1)
        juarez = nth_weekday(year, 3, _MONDAY, 3)
        revolution = nth_weekday(year, 11, _MONDAY, 3)
    else:
        constitution = date(year, 2, 5)
        juarez = date(year, 3, 21)
        revolution = date(year, 11, 20)

    result: list[tuple[date, str]] = [
        (date(year, 1, 1), "Año Nuevo"),
        (constitution, "Día de la Constitución"),
        (juarez, "Natalicio de Benito Juárez"),
        (date(year, 5, 1), "Día del Trabajo"),
        (date(year, 9, 16), "Día de la Independencia"),
        (revolution, "Revolución Mexicana"),
        (date(year, 12, 25), "Navidad"),
    ]
    if _is_transmission_year(year):
        day = date(year, 10, 1) if year >= _OCTOBER_TRANSMISSION_FROM else date(year, 12, 1)
        result.append((day, "Transmisión del Poder Ejecutivo Federal"))
    result.sort()
    return result


def mexico_holidays_between(start_year: int, end_year: int) -> list[tuple[date, str]]:
    """Statutory holidays for every year in ``start_year..end_year`` (both inclusive)."""
    if end_year < start_year:
        raise ValueError(f"end_year ({end_year}) is before start_year ({start_year})")
    return [
        holiday
        for year in range(start_year, end_year + 1)
        for holiday in mexico_official_holidays(year)
    ]
