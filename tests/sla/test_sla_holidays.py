from __future__ import annotations

from datetime import date

import pytest

from uanl.sla.holidays import (
    mexico_holidays_between,
    mexico_official_holidays,
    nth_weekday,
)

# Movable holidays (first Monday of Feb, third Monday of Mar, third Monday of Nov).
KNOWN_MOVABLE = {
    2024: (date(2024, 2, 5), date(2024, 3, 18), date(2024, 11, 18)),
    2025: (date(2025, 2, 3), date(2025, 3, 17), date(2025, 11, 17)),
    2026: (date(2026, 2, 2), date(2026, 3, 16), date(2026, 11, 16)),
    2027: (date(2027, 2, 1), date(2027, 3, 15), date(2027, 11, 15)),
    2028: (date(2028, 2, 7), date(2028, 3, 20), date(2028, 11, 20)),
    2029: (date(2029, 2, 5), date(2029, 3, 19), date(2029, 11, 19)),
    2030: (date(2030, 2, 4), date(2030, 3, 18), date(2030, 11, 18)),
}


@pytest.mark.parametrize("year", sorted(KNOWN_MOVABLE))
def test_known_dates_2024_2030(year: int) -> None:
    constitution, juarez, revolution = KNOWN_MOVABLE[year]
    expected = [
        (date(year, 1, 1), "Año Nuevo"),
        (constitution, "Día de la Constitución"),
        (juarez, "Natalicio de Benito Juárez"),
        (date(year, 5, 1), "Día del Trabajo"),
        (date(year, 9, 16), "Día de la Independencia"),
        (revolution, "Revolución Mexicana"),
        (date(year, 12, 25), "Navidad"),
    ]
    if year in (2024, 2030):
        expected.append((date(year, 10, 1), "Transmisión del Poder Ejecutivo Federal"))
    assert mexico_official_holidays(year) == sorted(expected)


def test_2026_values_from_the_spec() -> None:
    days = {d for d, _ in mexico_official_holidays(2026)}
    assert {date(2026, 2, 2), date(2026, 3, 16), date(2026, 11, 16)} <= days
    assert len(days) == 7


def test_transmission_every_six_years_from_2024() -> None:
    for year in range(2024, 2061):
        octobers = [d for d, name in mexico_official_holidays(year) if name.startswith("Trans")]
        if (year - 2024) % 6 == 0:
            assert octobers == [date(year, 10, 1)], year
        else:
            assert octobers == [], year
    assert (date(2036, 10, 1), "Transmisión del Poder Ejecutivo Federal") in (
        mexico_official_holidays(2036)
    )


def test_movable_holidays_are_mondays_in_right_week() -> None:
    for year in range(2006, 2100):
        by_name = {name: d for d, name in mexico_official_holidays(year)}
        feb = by_name["Día de la Constitución"]
        mar = by_name["Natalicio de Benito Juárez"]
        nov = by_name["Revolución Mexicana"]
        assert feb.weekday() == mar.weekday() == nov.weekday() == 0
        assert (feb.month, mar.month, nov.month) == (2, 3, 11)
        assert 1 <= feb.day <= 7
        assert 15 <= mar.day <= 21
        assert 15 <= nov.day <= 21


def test_sorted_and_unique() -> None:
    for year in range(1970, 2060):
        holidays = mexico_official_holidays(year)
        days = [d for d, _ in holidays]
        assert days == sorted(days)
        assert len(set(days)) == len(days)
        assert all(d.year == year for d in days)


def test_historical_rules_before_2006() -> None:
    holidays = dict(mexico_official_holidays(2000))
    assert holidays[date(2000, 2, 5)] == "Día de la Constitución"
    assert holidays[date(2000, 3, 21)] == "Natalicio de Benito Juárez"
    assert holidays[date(2000, 11, 20)] == "Revolución Mexicana"
    assert holidays[date(2000, 12, 1)] == "Transmisión del Poder Ejecutivo Federal"
    assert date(2018, 12, 1) in dict(mexico_official_holidays(2018))
    assert date(2018, 10, 1) not in dict(mexico_official_holidays(2018))
    with pytest.raises(ValueError):
        mexico_official_holidays(1969)


def test_between_is_inclusive_and_concatenates_years() -> None:
    result = mexico_holidays_between(2024, 2026)
    assert result == (
        mexico_official_holidays(2024)
        + mexico_official_holidays(2025)
        + mexico_official_holidays(2026)
    )
    assert len(result) == 8 + 7 + 7
    assert mexico_holidays_between(2026, 2026) == mexico_official_holidays(2026)
    with pytest.raises(ValueError):
        mexico_holidays_between(2027, 2026)


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 11, 0, 3) == date(2026, 11, 16)
    assert nth_weekday(2026, 2, 0, 1) == date(2026, 2, 2)
    assert nth_weekday(2026, 3, 6, 5) == date(2026, 3, 29)
    with pytest.raises(ValueError):
        nth_weekday(2026, 2, 0, 5)  # February 2026 has only four Mondays
    with pytest.raises(ValueError):
        nth_weekday(2026, 2, 7, 1)
