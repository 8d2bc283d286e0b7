from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import pytest

from uanl.tickets.lifecycle import (
    DEFAULT_REOPEN_WINDOW,
    FINAL_STATES,
    STATES,
    InvalidTransition,
    Transition,
    allowed_next,
    can_transition,
    check_transition,
    is_final,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
RECENT = NOW - timedelta(days=2)

EXPECTED: dict[str, set[str]] = {
    "new": {"open", "in_progress", "waiting", "resolved", "cancelled"},
    "open": {"in_progress", "waiting", "resolved", "cancelled"},
    "in_progress": {"waiting", "resolved", "cancelled", "open"},
    "waiting": {"in_progress", "open", "resolved", "cancelled"},
    "resolved": {"closed", "open"},  # open only within the reopen window
    "closed": set(),
    "cancelled": set(),
}

ALL_PAIRS = [(a, b) for a in STATES for b in STATES]
ALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED[a]]
REFUSED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED[a]]


def test_states() -> None:
    assert STATES == ("new", "open", "in_progress", "waiting", "resolved", "closed", "cancelled")
    assert FINAL_STATES == ("closed", "cancelled")
    assert DEFAULT_REOPEN_WINDOW == timedelta(days=7)
    assert [s for s in STATES if is_final(s)] == ["closed", "cancelled"]


@pytest.mark.parametrize("state", STATES)
def test_allowed_next(state: str) -> None:
    assert set(allowed_next(state, resolved_at=RECENT, now=NOW)) == EXPECTED[state]


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_every_allowed_transition(current: str, target: str) -> None:
    transition = check_transition(current, target, resolved_at=RECENT, now=NOW)
    assert isinstance(transition, Transition)
    assert (transition.current, transition.target) == (current, target)
    assert transition.is_reopen == (current == "resolved" and target == "open")
    assert transition.clears_resolved_at == transition.is_reopen
    assert transition.sets_resolved_at == (target == "resolved")
    assert transition.sets_closed_at == (target == "closed")
    assert transition.pauses_sla == (target == "waiting")
    assert transition.resumes_sla == (current == "waiting")
    assert transition.sets_first_response is False
    assert transition.is_final == (target in FINAL_STATES)
    assert can_transition(current, target, resolved_at=RECENT, now=NOW)


@pytest.mark.parametrize(("current", "target"), REFUSED_PAIRS)
def test_every_refused_transition(current: str, target: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target, resolved_at=RECENT, now=NOW)
    error = info.value
    assert (error.current, error.target) == (current, target)
    assert set(error.allowed) == EXPECTED[current]
    assert "Transición no permitida" in str(error)
    assert "Transition not allowed" in str(error)
    assert f"'{current}' -> '{target}'" in str(error)
    assert not can_transition(current, target, resolved_at=RECENT, now=NOW)


@pytest.mark.parametrize("state", STATES)
def test_same_state_is_refused(state: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(state, state, resolved_at=RECENT, now=NOW)
    assert info.value.reason == "same_state"


@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_final_states(state: str) -> None:
    assert allowed_next(state) == []
    with pytest.raises(InvalidTransition) as info:
        check_transition(state, "open")
    assert info.value.reason == "final_state"
    assert info.value.allowed == []


def test_reopen_window_edge() -> None:
    resolved_at = NOW - timedelta(days=7)
    transition = check_transition("resolved", "open", resolved_at=resolved_at, now=NOW)
    assert transition.is_reopen and transition.clears_resolved_at
    assert allowed_next("resolved", resolved_at=resolved_at, now=NOW) == ["closed", "open"]

    late = NOW + timedelta(microseconds=1)
    assert allowed_next("resolved", resolved_at=resolved_at, now=late) == ["closed"]
    with pytest.raises(InvalidTransition) as info:
        check_transition("resolved", "open", resolved_at=resolved_at, now=late)
    assert info.value.reason == "reopen_window_expired"
    assert info.value.allowed == ["closed"]
    assert "expiró" in str(info.value) and "expired" in str(info.value)
    # Closing is still possible after the window.
    assert check_transition("resolved", "closed", resolved_at=resolved_at, now=late).sets_closed_at


def test_custom_reopen_window() -> None:
    resolved_at = NOW - timedelta(hours=30)
    window = timedelta(days=1)
    assert not can_transition(
        "resolved", "open", resolved_at=resolved_at, now=NOW, reopen_window=window
    )
    window = timedelta(hours=30)
    assert can_transition(
        "resolved", "open", resolved_at=resolved_at, now=NOW, reopen_window=window
    )
    assert can_transition(
        "resolved", "open", resolved_at=resolved_at, now=NOW, reopen_window=timedelta(days=30)
    )


def test_reopen_requires_resolved_at() -> None:
    assert allowed_next("resolved", now=NOW) == ["closed"]
    with pytest.raises(InvalidTransition) as info:
        check_transition("resolved", "open", now=NOW)
    assert info.value.reason == "reopen_without_resolved_at"


def test_now_defaults_to_current_time() -> None:
    just_resolved = datetime.now(UTC) - timedelta(minutes=5)
    assert "open" in allowed_next("resolved", resolved_at=just_resolved)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    assert "open" not in allowed_next("resolved", resolved_at=long_ago)


def test_naive_datetimes_are_utc_and_timezones_are_respected() -> None:
    naive_resolved = datetime(2026, 6, 3, 12, 0)  # exactly 7 days before NOW, as UTC
    assert can_transition("resolved", "open", resolved_at=naive_resolved, now=NOW)
    assert can_transition(
        "resolved", "open", resolved_at=naive_resolved, now=NOW.replace(tzinfo=None)
    )
    # 06:00 at UTC-6 is 12:00 UTC: still exactly at the edge.
    local_now = datetime(2026, 6, 10, 6, 0, tzinfo=ZoneInfo("America/Monterrey"))
    assert can_transition("resolved", "open", resolved_at=naive_resolved, now=local_now)


def test_waiting_side_effects() -> None:
    enter = check_transition("in_progress", "waiting")
    assert enter.pauses_sla and not enter.resumes_sla
    leave = check_transition("waiting", "resolved")
    assert leave.resumes_sla and leave.sets_resolved_at and not leave.pauses_sla


def test_accepts_str_enum_members() -> None:
    class Status(StrEnum):
        NEW = "new"
        OPEN = "open"

    transition = check_transition(Status.NEW, Status.OPEN)
    assert transition.current == "new" and transition.target == "open"
    assert type(transition.current) is str
    assert allowed_next(Status.OPEN) == ["in_progress", "waiting", "resolved", "cancelled"]


def test_unknown_states_raise_value_error() -> None:
    with pytest.raises(ValueError):
        allowed_next("archived")
    with pytest.raises(ValueError):
        check_transition("new", "archived")
    with pytest.raises(ValueError):
        check_transition("NEW", "open")


def test_exception_is_plain_exception_with_attributes() -> None:
    error = InvalidTransition("closed", "open", [])
    assert isinstance(error, Exception)
    assert error.allowed == [] and error.reason == "not_allowed"
    assert "cerrado" in str(error)
