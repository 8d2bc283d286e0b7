"""Admission control: at most N requests of one process hold a database session at once.

A request keeps its pooled connection across the thread hops of its dependencies, its
endpoint and its commit. When more requests start than the pool has connections, worker
threads block in the pool waiting for connections held by requests that are themselves
waiting for a thread, and nothing moves until the pool timeout: every one of them then failed
as if the database were down (issue 12). Admitting at most as many requests as the pool has
connections means an admitted request always finds one. The others wait in a bounded queue
for a bounded time; past either bound they get 503 "busy" with Retry-After at once, and the
client retries, instead of a 30 s wait ending in a false "database unavailable".

Probes (/health, /livez, /readyz) and /metrics never take a slot: they do not use `get_db`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import CapacityLimiter, WouldBlock, fail_after

from uanl.core.errors import ServerBusy


class Admission:
    def __init__(self, limit: int, max_queued: int, timeout_s: float) -> None:
        self.limit = limit
        self.max_queued = max_queued
        self.timeout_s = timeout_s
        self.rejected = 0
        # Created on first use: anyio picks its implementation from the running event loop.
        self._limiter: CapacityLimiter | None = None

    def _get(self) -> CapacityLimiter:
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.limit)
        return self._limiter

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the process's slots for the block, or raise ServerBusy (503)."""
        limiter = self._get()
        token = object()  # one borrower per unit of work, even twice in one task
        try:
            limiter.acquire_on_behalf_of_nowait(token)
        except WouldBlock:
            if limiter.statistics().tasks_waiting >= self.max_queued:
                self.rejected += 1
                raise ServerBusy() from None
            try:
                with fail_after(self.timeout_s):
                    await limiter.acquire_on_behalf_of(token)
            except TimeoutError:
                self.rejected += 1
                raise ServerBusy() from None
        try:
            yield
        finally:
            limiter.release_on_behalf_of(token)

    def stats(self) -> dict[str, Any]:
        """In flight, waiting and rejected so far (no I/O: cheap enough for /health)."""
        if self._limiter is None:
            return {"limit": self.limit, "in_flight": 0, "waiting": 0, "rejected": self.rejected}
        stats = self._limiter.statistics()
        return {
            "limit": self.limit,
            "in_flight": stats.borrowed_tokens,
            "waiting": stats.tasks_waiting,
            "rejected": self.rejected,
        }
