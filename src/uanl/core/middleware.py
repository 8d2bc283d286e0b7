"""Request id and one access-log line per request (pure ASGI: no body buffering)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uanl.core.logging import request_id_var

# What the app wants told of each finished request (scope, status, seconds): metrics.
Observer = Callable[[Scope, int, float], None]

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
# A path segment that is itself a credential (the client's survey link) never reaches a log.
_SECRET_SEGMENT = re.compile(r"(/csat/)[^/]+")


def loggable_path(path: str) -> str:
    return _SECRET_SEGMENT.sub(r"\1[token]", path)


def _ignore(scope: Scope, status: int, elapsed: float) -> None:
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, observe: Observer = _ignore) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        # Accept a caller's id only when it is safe to echo and log.
        request_id = incoming if incoming and _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            path = loggable_path(scope["path"])
            elapsed = time.perf_counter() - start
            self.observe(scope, status["code"], elapsed)  # Prometheus, by route template
            latency_ms = elapsed * 1000
            logger.bind(
                request_id=request_id,
                method=scope["method"],
                path=path,
                status=status["code"],
                latency_ms=round(latency_ms, 2),
            ).info(
                "{} {} -> {} in {:.1f} ms",
                scope["method"],
                path,
                status["code"],
                latency_ms,
            )
            request_id_var.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None
