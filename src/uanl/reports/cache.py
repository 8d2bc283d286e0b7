"""A short-lived cache of computed summary reports, per API process.

A 90-day report over a million tickets takes a second or more to compute; supervisors and
scheduled jobs ask for the same few periods over and over. Each result is kept for
`REPORT_CACHE_SECONDS` (default 60; 0 turns the cache off), so numbers are at most that
old; `Cache-Control: no-cache` on the request recomputes. Concurrent requests for the same
report wait for one computation instead of running it N times.

Not `uanl.dashboards.cache`: that one holds ready JSON bytes for 5 s and drops everything on
every event; a report is rendered afterwards as JSON, CSV or XLSX from the result object,
and dropping 90-day reports on each ticket change would leave nothing cached under load.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 256


@dataclass
class _Entry:
    value: Any
    stored: float


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()
_key_locks: dict[Hashable, threading.Lock] = {}


def clear() -> None:
    with _lock:
        _entries.clear()
        _key_locks.clear()


def _fresh(key: Hashable, ttl: float) -> _Entry | None:
    with _lock:
        entry = _entries.get(key)
        if entry is None or time.monotonic() - entry.stored >= ttl:
            return None
        _entries.move_to_end(key)
        return entry


def cached(
    key: Hashable, ttl: float, compute: Callable[[], T], *, refresh: bool = False
) -> tuple[T, float | None]:
    """(value, age in seconds if it came from the cache else None)."""
    if ttl <= 0:
        return compute(), None
    if not refresh and (entry := _fresh(key, ttl)) is not None:
        return entry.value, time.monotonic() - entry.stored
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if not refresh and (entry := _fresh(key, ttl)) is not None:  # computed while we waited
            return entry.value, time.monotonic() - entry.stored
        value = compute()
        with _lock:
            _entries[key] = _Entry(value, time.monotonic())
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                old, _ = _entries.popitem(last=False)
                _key_locks.pop(old, None)
        return value, None
