"""Ticket lifecycle: the explicit state machine of a ticket's status.

Works on plain strings (the model layer owns the enum; any ``str``-valued enum member works too)
and imports nothing from the rest of the application.

::

    new         -> open, in_progress, waiting, resolved, cancelled
    open        -> in_progress, waiting, resolved, cancelled
    in_progress -> waiting, resolved, cancelled, open
    waiting     -> in_progress, open, resolved, cancelled
    resolved    -> closed, open (reopen, only within the reopen window since ``resolved_at``)
    closed, cancelled: final

Same-state ("no-op") transitions are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

__all__ = [
    "DEFAULT_REOPEN_WINDOW",
    "FINAL_STATES",
    "STATES",
    "TRANSITIONS",
    "InvalidTransition",
    "Transition",
    "allowed_next",
    "can_transition",
    "check_transition",
    "is_final",
    "reopen_transitions",
]

NEW = "new"
OPEN = "open"
IN_PROGRESS = "in_progress"
WAITING = "waiting"
RESOLVED = "resolved"
CLOSED = "closed"
CANCELLED = "cancelled"

STATES: tuple[str, ...] = (NEW, OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED)
FINAL_STATES: tuple[str, ...] = (CLOSED, CANCELLED)
DEFAULT_REOPEN_WINDOW = timedelta(days=7)

#: Unconditional transitions; ``resolved -> open`` is added by :func:`allowed_next` when the
#: reopen window is still open.
TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    NEW: (OPEN, IN_PROGRESS, WAITING, RESOLVED, CANCELLED),
    OPEN: (IN_PROGRESS, WAITING, RESOLVED, CANCELLED),
    IN_PROGRESS: (WAITING, RESOLVED, CANCELLED, OPEN),
    WAITING: (IN_PROGRESS, OPEN, RESOLVED, CANCELLED),
    RESOLVED: (CLOSED,),
    CLOSED: (),
    CANCELLED: (),
}

_STATE_LABELS_ES: Mapping[str, str] = {
    NEW: "nuevo",
    OPEN: "abierto",
    IN_PROGRESS: "en progreso",
    WAITING: "en espera",
    RESOLVED: "resuelto",
    CLOSED: "cerrado",
    CANCELLED: "cancelado",
}


class InvalidTransition(Exception):
    """A status change that the lifecycle does not allow.

    Attributes: ``current``, ``target``, ``allowed`` (the states reachable from ``current`` at
    that moment) and ``reason`` (a short machine-friendly code: ``"same_state"``,
    ``"final_state"``, ``"reopen_window_expired"``, ``"reopen_without_resolved_at"`` or
    ``"not_allowed"``).
    """

    def __init__(
        self,
        current: str,
        target: str,
        allowed: list[str],
        *,
        reason: str = "not_allowed",
        detail: str | None = None,
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = list(allowed)
        self.reason = reason
        allowed_text = ", ".join(self.allowed) if self.allowed else "-"
        current_es = _STATE_LABELS_ES.get(current, current)
        target_es = _STATE_LABELS_ES.get(target, target)
        message = (
            f"Transición no permitida: '{current}' ({current_es}) -> '{target}' ({target_es}); "
            f"permitidas: {allowed_text}. / "
            f"Transition not allowed: '{current}' -> '{target}'; allowed: {allowed_text}."
        )
        if detail:
            message = f"{message} {detail}"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Transition:
    """An allowed status change and the side effects the caller must apply."""

    current: str
    target: str
    #: ``resolved -> open`` within the reopen window.
    is_reopen: bool = False
    #: Entering ``resolved``: set ``resolved_at`` (and stop the resolution SLA clock).
    sets_resolved_at: bool = False
    #: Reopening: clear ``resolved_at``.
    clears_resolved_at: bool = False
    #: Entering ``closed``: set ``closed_at``.
    sets_closed_at: bool = False
    #: Entering ``waiting``: pause the SLA clock.
    pauses_sla: bool = False
    #: Leaving ``waiting``: resume the SLA clock.
    resumes_sla: bool = False
    #: Always False: first response is recorded from replies, not from status changes.
    sets_first_response: bool = False
    #: Entering ``closed`` or ``cancelled``: no further transitions are possible.
    is_final: bool = False


def _state(value: str) -> str:
    """Normalize a state (plain string or ``str``-valued enum member) and validate it."""
    raw = value.value if isinstance(value, Enum) else value
    if not isinstance(raw, str) or raw not in TRANSITIONS:
        raise ValueError(f"unknown ticket state {value!r}; expected one of {', '.join(STATES)}")
    return raw


def _as_utc(value: datetime) -> datetime:
    # Naive datetimes (e.g. read back from SQLite) are taken to be UTC.
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value


def _reopen_blocker(
    resolved_at: datetime | None, now: datetime | None, reopen_window: timedelta
) -> str | None:
    """Why a resolved ticket cannot be reopened, or None when it can."""
    if resolved_at is None:
        return "reopen_without_resolved_at"
    current_time = _as_utc(now) if now is not None else datetime.now(UTC)
    # The window is inclusive: exactly ``reopen_window`` after resolution still reopens.
    if current_time - _as_utc(resolved_at) > reopen_window:
        return "reopen_window_expired"
    return None


def allowed_next(
    state: str,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> list[str]:
    """States reachable from ``state`` right now (``now`` defaults to the current UTC time).

    ``resolved -> open`` is included only when ``resolved_at`` is known and at most
    ``reopen_window`` has elapsed since it. Naive datetimes are interpreted as UTC.
    """
    current = _state(state)
    allowed = list(TRANSITIONS[current])
    if current == RESOLVED and _reopen_blocker(resolved_at, now, reopen_window) is None:
        allowed.append(OPEN)
    return allowed


def reopen_transitions() -> dict[str, tuple[str, ...]]:
    """What :func:`allowed_next` adds to :data:`TRANSITIONS` while the reopen window is open
    (``{"resolved": ("open",)}``), by current state; read-only, for clients of the API."""
    moment = datetime.now(UTC)
    found: dict[str, tuple[str, ...]] = {}
    for state in STATES:
        reachable = allowed_next(state, resolved_at=moment, now=moment)
        extra = tuple(target for target in reachable if target not in TRANSITIONS[state])
        if extra:
            found[state] = extra
    return found


def check_transition(
    current: str,
    target: str,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> Transition:
    """Validate ``current -> target`` and describe its side effects.

    Raises :class:`InvalidTransition` when the change is not allowed (including same-state
    changes and reopening after the window) and :class:`ValueError` for unknown states.
    """
    source = _state(current)
    dest = _state(target)
    allowed = allowed_next(source, resolved_at=resolved_at, now=now, reopen_window=reopen_window)
    if dest not in allowed:
        reason = "not_allowed"
        detail: str | None = None
        if dest == source:
            reason = "same_state"
            detail = "El ticket ya está en ese estado. / The ticket is already in that state."
        elif source in FINAL_STATES:
            reason = "final_state"
            detail = "El estado actual es final. / The current state is final."
        elif source == RESOLVED and dest == OPEN:
            blocker = _reopen_blocker(resolved_at, now, reopen_window)
            reason = blocker or reason
            if blocker == "reopen_window_expired":
                detail = (
                    f"La ventana de reapertura ({_format_window(reopen_window)}) ya expiró. / "
                    f"The reopen window ({_format_window(reopen_window)}) has expired."
                )
            else:
                detail = "Se desconoce la fecha de resolución. / The resolution time is unknown."
        raise InvalidTransition(source, dest, allowed, reason=reason, detail=detail)

    return Transition(
        current=source,
        target=dest,
        is_reopen=source == RESOLVED and dest == OPEN,
        sets_resolved_at=dest == RESOLVED,
        clears_resolved_at=source == RESOLVED and dest == OPEN,
        sets_closed_at=dest == CLOSED,
        pauses_sla=dest == WAITING,
        resumes_sla=source == WAITING,
        sets_first_response=False,
        is_final=dest in FINAL_STATES,
    )


def can_transition(
    current: str,
    target: str,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> bool:
    """Whether ``current -> target`` is allowed (no exception for disallowed changes)."""
    try:
        check_transition(
            current, target, resolved_at=resolved_at, now=now, reopen_window=reopen_window
        )
    except InvalidTransition:
        return False
    return True


def is_final(state: str) -> bool:
    return _state(state) in FINAL_STATES


def _format_window(window: timedelta) -> str:
    if window.seconds == 0 and window.microseconds == 0:
        return f"{window.days} d"
    return str(window)
