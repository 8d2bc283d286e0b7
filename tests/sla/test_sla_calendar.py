from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from uanl.sla.calendar import BusinessCalendar
from uanl.sla.holidays import mexico_holidays_between
from uanl.sla.working_hours import WorkingHours

MTY = ZoneInfo("America/Monterrey")
NY = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)

OFFICE = WorkingHours(
    {
        0: [("09:00", "18:00")],
        1: [("09:00", "18:00")],
        2: [("09:00", "18:00")],
        3: [("09:00", "18:00")],
        4: [("09:00", "18:00")],
        5: [("09:00", "14:00")],
    }
)
SPLIT = WorkingHours({day: [("09:00", "14:00"), ("15:00", "19:00")] for day in range(5)})
MX_HOLIDAYS = [d for d, _ in mexico_holidays_between(2024, 2031)]


def mty(*args: int) -> datetime:
    return datetime(*args, tzinfo=MTY)  # type: ignore[arg-type,misc]


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[arg-type,misc]


@pytest.fixture
def office() -> BusinessCalendar:
    return BusinessCalendar("America/Monterrey", OFFICE, MX_HOLIDAYS)


# -- slow reference implementation ------------------------------------------------------------


class Reference:
    """Minute-by-minute model of the calendar semantics (minute-aligned inputs only)."""

    def __init__(
        self,
        tz: str,
        schedule: dict[int, list[tuple[str, str]]],
        holidays: Iterable[date] = (),
    ) -> None:
        self.zone = ZoneInfo(tz)
        self.holidays = set(holidays)
        self.schedule = {
            day: [(self._minutes(s), self._minutes(e)) for s, e in spans]
            for day, spans in schedule.items()
        }

    @staticmethod
    def _minutes(text: str) -> int:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    def is_open(self, t: datetime) -> bool:
        local = t.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute_of_day = local.hour * 60 + local.minute
        return any(s <= minute_of_day < e for s, e in self.schedule.get(local.weekday(), []))

    def add(self, start: datetime, minutes: int) -> datetime:
        t = start.astimezone(UTC)
        if minutes == 0:
            while not self.is_open(t):
                t += MINUTE
            return t
        counted = 0
        while True:
            if self.is_open(t):
                counted += 1
                if counted == minutes:
                    return t + MINUTE
            t += MINUTE

    def between(self, a: datetime, b: datetime) -> int:
        t, end, total = a.astimezone(UTC), b.astimezone(UTC), 0
        while t < end:
            total += self.is_open(t)
            t += MINUTE
        return total


REFERENCE_CASES = [
    (
        "America/Monterrey",
        {day: [("09:00", "18:00")] for day in range(5)} | {5: [("09:00", "14:00")]},
        MX_HOLIDAYS,
    ),
    (
        "America/New_York",
        {day: [("08:00", "12:30"), ("13:15", "17:45")] for day in range(5)}
        | {6: [("00:00", "04:00"), ("22:00", "24:00")]},  # Sunday night spans the DST switches
        [date(2026, 7, 3), date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)],
    ),
    ("Europe/Madrid", {day: [("00:00", "24:00")] for day in (0, 2, 4, 6)}, [date(2026, 3, 30)]),
]


def _random_start(rng: random.Random, zone: ZoneInfo) -> datetime:
    base = datetime(2025, 9, 1, tzinfo=UTC)
    return (base + timedelta(minutes=rng.randrange(0, 60 * 24 * 550))).astimezone(zone)


def _random_minutes(rng: random.Random) -> int:
    bucket = rng.random()
    if bucket < 0.1:
        return 0
    if bucket < 0.5:
        return rng.randrange(1, 600)
    if bucket < 0.9:
        return rng.randrange(600, 4000)
    return rng.randrange(4000, 12000)


@pytest.mark.parametrize("case", range(len(REFERENCE_CASES)))
def test_add_matches_minute_by_minute_reference(case: int) -> None:
    tz, schedule, holidays = REFERENCE_CASES[case]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    reference = Reference(tz, schedule, holidays)
    rng = random.Random(20260 + case)
    for _ in range(200):
        start = _random_start(rng, calendar.zone)
        minutes = _random_minutes(rng)
        expected = reference.add(start, minutes)
        got = calendar.add_business_minutes(start, minutes)
        assert got == expected, (start, minutes)
        assert got.tzinfo is UTC
        if minutes:
            # The last business minute before the deadline is open.
            assert calendar.is_open(got - MINUTE)


@pytest.mark.parametrize("case", range(len(REFERENCE_CASES)))
def test_between_matches_minute_by_minute_reference(case: int) -> None:
    tz, schedule, holidays = REFERENCE_CASES[case]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    reference = Reference(tz, schedule, holidays)
    rng = random.Random(777 + case)
    for _ in range(60):
        a = _random_start(rng, calendar.zone)
        b = a + timedelta(minutes=rng.randrange(0, 60 * 24 * 25))
        expected = reference.between(a, b)
        assert calendar.business_minutes_between(a, b) == expected, (a, b)
        assert calendar.business_minutes_between(b, a) == -expected


@pytest.mark.parametrize("case", range(len(REFERENCE_CASES)))
def test_is_open_and_next_open_match_reference(case: int) -> None:
    tz, schedule, holidays = REFERENCE_CASES[case]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    reference = Reference(tz, schedule, holidays)
    rng = random.Random(99 + case)
    for _ in range(300):
        t = _random_start(rng, calendar.zone)
        assert calendar.is_open(t) == reference.is_open(t), t
        assert calendar.next_open(t) == reference.add(t, 0), t


def test_huge_value_thirty_days_of_minutes_matches_reference() -> None:
    tz, schedule, holidays = REFERENCE_CASES[0]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    reference = Reference(tz, schedule, holidays)
    start = mty(2026, 8, 20, 11, 37)
    minutes = 30 * 24 * 60
    expected = reference.add(start, minutes)
    assert calendar.add_business_minutes(start, minutes) == expected
    assert calendar.business_minutes_between(start, expected) == minutes


def test_huge_value_in_dst_zone_matches_reference() -> None:
    tz, schedule, holidays = REFERENCE_CASES[1]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    reference = Reference(tz, schedule, holidays)
    start = ny(2026, 1, 10, 3, 0)
    minutes = 30 * 24 * 60  # ~ 85 business days: crosses the March DST change
    expected = reference.add(start, minutes)
    assert calendar.add_business_minutes(start, minutes) == expected


def test_very_large_values_are_fast_and_consistent(office: BusinessCalendar) -> None:
    start = mty(2026, 1, 5, 9, 0)
    minutes = 10_000_000  # ~ 70 years of business time: the week skipping must kick in
    deadline = office.add_business_minutes(start, minutes)
    assert office.business_minutes_between(start, deadline) == minutes
    assert office.add_business_minutes(deadline, -minutes) == start


def test_backwards_is_inverse_of_forwards_in_dst_zone() -> None:
    tz, schedule, holidays = REFERENCE_CASES[1]
    calendar = BusinessCalendar(tz, WorkingHours(schedule), holidays)
    rng = random.Random(31337)
    checked = 0
    while checked < 200:
        start = _random_start(rng, calendar.zone) + timedelta(microseconds=rng.randrange(10**6))
        if not calendar.is_open(start):
            continue
        minutes = rng.randrange(1, 200_000)
        deadline = calendar.add_business_minutes(start, minutes)
        assert calendar.add_business_minutes(deadline, -minutes) == start
        assert calendar.business_minutes_between(deadline, start) == -minutes
        checked += 1


def test_whole_weeks_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = BusinessCalendar("America/New_York", SPLIT, [date(2026, 7, 3)])
    calls = 0
    original = calendar._segments

    def counting(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        nonlocal calls
        calls += 1
        return original(start, end)

    monkeypatch.setattr(calendar, "_segments", counting)
    start = ny(2026, 1, 5, 9, 0)
    minutes = 540 * 5 * 52 * 20  # twenty years of business time
    deadline = calendar.add_business_minutes(start, minutes)
    assert calls < 20 * 2 * 14 + 50  # only days around DST changes/holidays are walked
    calls = 0
    assert calendar.business_minutes_between(start, deadline) == minutes
    assert calls < 20 * 2 * 14 + 50


# -- concrete scenarios -----------------------------------------------------------------------


def test_within_a_day(office: BusinessCalendar) -> None:
    assert office.add_business_minutes(mty(2026, 6, 10, 10, 0), 90) == mty(2026, 6, 10, 11, 30)


def test_deadline_at_closing_time_stays_there(office: BusinessCalendar) -> None:
    assert office.add_business_minutes(mty(2026, 6, 10, 17, 0), 60) == mty(2026, 6, 10, 18, 0)


def test_across_the_weekend() -> None:
    calendar = BusinessCalendar(hours=WorkingHours.default())  # Mon-Fri 09-18
    friday = mty(2026, 6, 12, 17, 0)
    assert calendar.add_business_minutes(friday, 120) == mty(2026, 6, 15, 10, 0)
    assert calendar.business_minutes_between(friday, mty(2026, 6, 15, 10, 0)) == 120


def test_exactly_whole_weeks_end_at_last_closing(office: BusinessCalendar) -> None:
    monday = mty(2026, 6, 8, 9, 0)
    assert office.add_business_minutes(monday, 50 * 60) == mty(2026, 6, 13, 14, 0)
    assert office.add_business_minutes(monday, 3 * 50 * 60) == mty(2026, 6, 27, 14, 0)
    assert office.add_business_minutes(mty(2026, 6, 13, 14, 0), -50 * 60) == monday


def test_saturday_half_day(office: BusinessCalendar) -> None:
    friday = mty(2026, 6, 12, 17, 0)
    assert office.add_business_minutes(friday, 60 + 300 + 30) == mty(2026, 6, 15, 9, 30)


def test_across_a_holiday(office: BusinessCalendar) -> None:
    # 2026-11-16 is the third Monday of November (Revolución Mexicana).
    saturday = mty(2026, 11, 14, 13, 0)
    assert office.add_business_minutes(saturday, 120) == mty(2026, 11, 17, 10, 0)
    assert not office.is_open(mty(2026, 11, 16, 12, 0))
    assert office.next_open(mty(2026, 11, 16, 12, 0)) == mty(2026, 11, 17, 9, 0)
    no_holidays = BusinessCalendar(hours=OFFICE)
    assert no_holidays.add_business_minutes(saturday, 120) == mty(2026, 11, 16, 10, 0)


def test_split_shift() -> None:
    calendar = BusinessCalendar(hours=SPLIT)
    start = mty(2026, 6, 10, 13, 30)
    assert calendar.add_business_minutes(start, 30) == mty(2026, 6, 10, 14, 0)
    assert calendar.add_business_minutes(start, 31) == mty(2026, 6, 10, 15, 1)
    assert calendar.add_business_minutes(start, 30 + 240 + 10) == mty(2026, 6, 11, 9, 10)
    assert not calendar.is_open(mty(2026, 6, 10, 14, 30))
    assert calendar.next_open(mty(2026, 6, 10, 14, 30)) == mty(2026, 6, 10, 15, 0)
    assert calendar.business_minutes_between(mty(2026, 6, 10, 0, 0), mty(2026, 6, 11, 0, 0)) == 540


def test_starting_outside_hours(office: BusinessCalendar) -> None:
    before_opening = mty(2026, 6, 10, 6, 15)
    assert office.add_business_minutes(before_opening, 30) == mty(2026, 6, 10, 9, 30)
    after_closing = mty(2026, 6, 10, 20, 0)
    assert office.add_business_minutes(after_closing, 30) == mty(2026, 6, 11, 9, 30)
    sunday = mty(2026, 6, 14, 10, 0)
    assert office.add_business_minutes(sunday, 0) == mty(2026, 6, 15, 9, 0)
    assert office.add_business_minutes(sunday, 1) == mty(2026, 6, 15, 9, 1)


def test_zero_minutes_inside_hours_is_identity(office: BusinessCalendar) -> None:
    start = mty(2026, 6, 10, 10, 0, 7)
    assert office.add_business_minutes(start, 0) == start


def test_input_in_other_timezone_returns_utc(office: BusinessCalendar) -> None:
    start = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)  # 09:00 in Monterrey (UTC-6)
    result = office.add_business_minutes(start, 60)
    assert result == datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
    assert result.tzinfo is UTC
    assert office.next_open(start).tzinfo is UTC


def test_fractional_minutes(office: BusinessCalendar) -> None:
    start = mty(2026, 6, 10, 17, 59)
    assert office.add_business_minutes(start, 1.5) == mty(2026, 6, 11, 9, 0, 30)
    assert office.business_minutes_between(start, mty(2026, 6, 11, 9, 0, 30)) == 1.5


def test_negative_minutes_count_backwards(office: BusinessCalendar) -> None:
    monday = mty(2026, 6, 15, 9, 30)
    assert office.add_business_minutes(monday, -30) == mty(2026, 6, 15, 9, 0)
    assert office.add_business_minutes(monday, -31) == mty(2026, 6, 13, 13, 59)
    assert office.business_minutes_between(monday, mty(2026, 6, 13, 13, 59)) == -31


def test_always_open() -> None:
    calendar = BusinessCalendar(always_open=True, holidays=[date(2026, 12, 25)])
    start = mty(2026, 12, 24, 23, 0)
    assert calendar.is_open(mty(2026, 12, 25, 3, 0))
    assert calendar.next_open(start) == start
    assert calendar.add_business_minutes(start, 60 * 24 * 30) == start + timedelta(days=30)
    assert calendar.business_minutes_between(start, start + timedelta(hours=5)) == 300


def test_around_the_clock_hours_still_honour_holidays() -> None:
    calendar = BusinessCalendar(
        hours=WorkingHours.around_the_clock(), holidays=[date(2026, 12, 25)]
    )
    start = mty(2026, 12, 24, 23, 0)
    assert calendar.add_business_minutes(start, 120) == mty(2026, 12, 26, 1, 0)


# -- business_minutes_between -----------------------------------------------------------------


def test_between_inverse_property(office: BusinessCalendar) -> None:
    rng = random.Random(4242)
    checked = 0
    while checked < 200:
        start = _random_start(rng, MTY) + timedelta(seconds=rng.randrange(60))
        if not office.is_open(start):
            continue
        minutes = rng.randrange(0, 50_000)
        assert (
            office.business_minutes_between(start, office.add_business_minutes(start, minutes))
            == minutes
        )
        checked += 1


def test_between_basic(office: BusinessCalendar) -> None:
    assert office.business_minutes_between(mty(2026, 6, 10, 8, 0), mty(2026, 6, 10, 9, 30)) == 30
    assert office.business_minutes_between(mty(2026, 6, 10, 9, 0), mty(2026, 6, 10, 9, 0)) == 0
    # A whole regular week: 5 x 9h + 5h.
    week = office.business_minutes_between(mty(2026, 6, 8, 0, 0), mty(2026, 6, 15, 0, 0))
    assert week == 50 * 60
    # The week of 2026-11-16 loses the Monday.
    week = office.business_minutes_between(mty(2026, 11, 16, 0, 0), mty(2026, 11, 23, 0, 0))
    assert week == 41 * 60


def test_open_intervals(office: BusinessCalendar) -> None:
    intervals = list(office.open_intervals(mty(2026, 11, 13, 12, 0), mty(2026, 11, 17, 10, 0)))
    assert intervals == [
        (mty(2026, 11, 13, 12, 0), mty(2026, 11, 13, 18, 0)),
        (mty(2026, 11, 14, 9, 0), mty(2026, 11, 14, 14, 0)),
        (mty(2026, 11, 17, 9, 0), mty(2026, 11, 17, 10, 0)),
    ]


# -- DST ----------------------------------------------------------------------------------------


def test_dst_spring_forward_24x7_hours() -> None:
    calendar = BusinessCalendar("America/New_York", WorkingHours.around_the_clock())
    # 2026-03-08 has 23 hours in New York.
    start = ny(2026, 3, 8, 0, 0)
    end = ny(2026, 3, 9, 0, 0)
    assert calendar.business_minutes_between(start, end) == 23 * 60
    assert calendar.add_business_minutes(start, 24 * 60) == ny(2026, 3, 9, 1, 0)


def test_dst_fall_back_24x7_hours() -> None:
    calendar = BusinessCalendar("America/New_York", WorkingHours.around_the_clock())
    start = ny(2026, 11, 1, 0, 0)
    end = ny(2026, 11, 2, 0, 0)
    assert calendar.business_minutes_between(start, end) == 25 * 60
    assert calendar.add_business_minutes(start, 24 * 60) == ny(2026, 11, 1, 23, 0)


def test_dst_weekend_with_office_hours() -> None:
    calendar = BusinessCalendar("America/New_York", WorkingHours.uniform("09:00", "17:00"))
    friday = ny(2026, 3, 6, 16, 0)  # EST, UTC-5
    deadline = calendar.add_business_minutes(friday, 120)
    assert deadline == ny(2026, 3, 9, 10, 0)  # EDT, UTC-4
    assert deadline == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert calendar.business_minutes_between(friday, deadline) == 120
    friday = ny(2026, 10, 30, 16, 0)  # EDT
    assert calendar.add_business_minutes(friday, 120) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_dst_interval_containing_the_gap_and_the_overlap() -> None:
    calendar = BusinessCalendar("America/New_York", WorkingHours({6: [("01:00", "04:00")]}))
    # Spring forward: 02:00-03:00 does not exist, the interval lasts 2h.
    day = (ny(2026, 3, 8, 0, 0), ny(2026, 3, 8, 12, 0))
    assert calendar.business_minutes_between(*day) == 120
    assert calendar.add_business_minutes(ny(2026, 3, 8, 1, 30), 30) == ny(2026, 3, 8, 3, 0)
    # Fall back: 01:00-02:00 happens twice, the interval lasts 4h.
    day = (ny(2026, 11, 1, 0, 0), ny(2026, 11, 1, 12, 0))
    assert calendar.business_minutes_between(*day) == 240
    first_one_am = ny(2026, 11, 1, 1, 0)
    assert calendar.add_business_minutes(first_one_am, 90) == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )  # 01:30 EST, the second time the clock shows 01:30


def test_dst_interval_starting_in_the_gap() -> None:
    calendar = BusinessCalendar("America/New_York", WorkingHours({6: [("02:30", "04:00")]}))
    day = (ny(2026, 3, 8, 0, 0), ny(2026, 3, 8, 12, 0))
    assert calendar.business_minutes_between(*day) == 60
    assert calendar.next_open(day[0]) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT


def test_monterrey_has_no_dst_since_2022() -> None:
    calendar = BusinessCalendar("America/Monterrey", WorkingHours.around_the_clock())
    assert calendar.business_minutes_between(mty(2026, 4, 5, 0, 0), mty(2026, 4, 6, 0, 0)) == 1440
    assert calendar.business_minutes_between(mty(2021, 4, 4, 0, 0), mty(2021, 4, 5, 0, 0)) == 1380


# -- WorkingHours / serialization -----------------------------------------------------------------


def test_working_hours_accepts_times_and_strings() -> None:
    a = WorkingHours({0: [(time(9), time(14)), (time(15), time(19))]})
    b = WorkingHours({"0": [("09:00", "14:00"), ("15:00", "19:00")]})
    assert a == b
    assert a.intervals(0) == [(time(9), time(14)), (time(15), time(19))]
    assert a.intervals(1) == []
    assert a.nominal_week() == timedelta(hours=9)


def test_working_hours_merges_touching_and_sorts() -> None:
    hours = WorkingHours({0: [("15:00", "19:00"), ("09:00", "12:00"), ("12:00", "14:00")]})
    assert hours.to_dict() == {"0": [["09:00", "14:00"], ["15:00", "19:00"]]}


def test_end_of_day() -> None:
    hours = WorkingHours({0: [("18:00", "24:00")]})
    assert hours == WorkingHours({0: [(time(18), time(0))]})
    assert hours.to_dict() == {"0": [["18:00", "24:00"]]}
    assert hours.intervals(0) == [(time(18), time(0))]
    assert hours.nominal_day(0) == timedelta(hours=6)


@pytest.mark.parametrize(
    "schedule",
    [
        {0: [("18:00", "09:00")]},  # midnight-spanning
        {0: [("09:00", "09:00")]},
        {0: [("09:00", "14:00"), ("13:00", "15:00")]},  # overlap
        {7: [("09:00", "14:00")]},
        {"mon": [("09:00", "14:00")]},
        {0: [("9", "14:00")]},
        {0: [("09:60", "14:00")]},
        {0: [("24:00", "24:00")]},
        {0: [("09:00", "24:30")]},
    ],
)
def test_working_hours_validation(schedule: Any) -> None:
    with pytest.raises(ValueError):
        WorkingHours(schedule)


def test_calendar_validation() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar("Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        BusinessCalendar(hours=WorkingHours({}))
    calendar = BusinessCalendar(hours=WorkingHours({}), always_open=True)
    with pytest.raises(ValueError):
        calendar.is_open(datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError):
        calendar.add_business_minutes(datetime(2026, 1, 1, 12, 0), 5)
    with pytest.raises(TypeError):
        BusinessCalendar(holidays=[datetime(2026, 1, 1)])


def test_default_calendar() -> None:
    calendar = BusinessCalendar()
    assert calendar.tz == "America/Monterrey"
    assert calendar.hours == WorkingHours.default()
    assert not calendar.always_open
    assert calendar.holidays == ()


def test_to_dict_from_dict_round_trip(office: BusinessCalendar) -> None:
    data = office.to_dict()
    assert data["tz"] == "America/Monterrey"
    assert data["always_open"] is False
    assert data["hours"]["5"] == [["09:00", "14:00"]]
    assert "6" not in data["hours"]
    assert "2026-11-16" in data["holidays"]
    assert data["holidays"] == sorted(data["holidays"])
    restored = BusinessCalendar.from_dict(json.loads(json.dumps(data)))
    assert restored == office
    assert restored.to_dict() == data
    start = mty(2026, 11, 13, 17, 0)
    assert restored.add_business_minutes(start, 600) == office.add_business_minutes(start, 600)


def test_from_dict_spec_example() -> None:
    calendar = BusinessCalendar.from_dict(
        {
            "tz": "America/Mexico_City",
            "always_open": False,
            "hours": {"0": [["09:00", "14:00"], ["15:00", "19:00"]], "5": [["09:00", "14:00"]]},
            "holidays": ["2026-12-25"],
        }
    )
    assert calendar.tz == "America/Mexico_City"
    assert calendar.hours.intervals(0) == [(time(9), time(14)), (time(15), time(19))]
    assert calendar.is_holiday(date(2026, 12, 25))
    always = BusinessCalendar.from_dict({"tz": "UTC", "always_open": True, "hours": {}})
    assert always.always_open
    assert always.to_dict() == {"tz": "UTC", "always_open": True, "hours": {}, "holidays": []}
