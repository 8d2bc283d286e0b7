"""Security events: one loguru line with `security=<kind>` and an in-process counter.

The counter is per process and since start (what an admin needs to notice an attack in
progress); the log lines are the durable record.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from loguru import logger
from starlette.types import Message, Receive, Scope, Send

from uanl.core.asgi import HttpMiddleware
from uanl.core.context import client_ip_var, current_request_id

LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"
ACCOUNT_LOCKED = "account_locked"
WEBHOOK_REJECTED = "webhook_rejected"
FORBIDDEN = "forbidden"
RATE_LIMITED = "rate_limited"

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_started_at: datetime = datetime.now(UTC)


def record(kind: str, message: str, **fields: Any) -> None:
    with _lock:
        _counts[kind] += 1
    fields.setdefault("ip", client_ip_var.get())
    fields.setdefault("request_id", current_request_id())
    logger.bind(security=kind, **fields).warning("security: {} {}", kind, message)


def snapshot() -> tuple[datetime, dict[str, int]]:
    with _lock:
        return _started_at, dict(_counts)


def reset() -> None:
    """For tests: forget the counts."""
    global _started_at
    with _lock:
        _counts.clear()
        _started_at = datetime.now(UTC)


class SecurityEventsMiddleware(HttpMiddleware):
    """Counts refusals decided deep in the app: 403 (role denials) and rejected Watson keys."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                _observe(scope, int(message["status"]))
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _observe(scope: Scope, status: int) -> None:
    path = str(scope.get("path", ""))
    if status == 403:
        record(FORBIDDEN, f"{scope.get('method')} {path}")
    elif status == 401 and path.startswith("/api/v1/watson"):
        record(WEBHOOK_REJECTED, f"{scope.get('method')} {path}")
