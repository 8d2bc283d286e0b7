"""Run the test session at a chosen instant: ``UANL_TEST_NOW=2026-12-31T23:59-06:00``.

The clock is moved with time-machine from ``pytest_configure`` on, before collection (some
modules compute dates at import), and keeps ticking from that instant (timeouts, token
expiry and ordering of ``now()`` calls behave as usual). Unset, nothing changes. Only this
Python process travels: PostgreSQL's ``now()``, Chromium and subprocesses keep the real time.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine

ENV = "UANL_TEST_NOW"
_TRAVELLER = pytest.StashKey[time_machine.travel]()
_AT = pytest.StashKey[datetime]()


def frozen_instant() -> datetime | None:
    """The instant from UANL_TEST_NOW (aware), or None when unset."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise pytest.UsageError(f"{ENV}={value!r} is not an ISO 8601 instant: {exc}") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise pytest.UsageError(f"{ENV}={value!r} needs a UTC offset, e.g. -06:00 or Z")
    return at


def pytest_configure(config: pytest.Config) -> None:
    at = frozen_instant()
    if at is None:
        return
    traveller = time_machine.travel(at, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller
    config.stash[_AT] = at


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    at = config.stash.get(_AT, None)
    return None if at is None else f"clock: {ENV}={at.isoformat()} (time-machine, ticking)"
