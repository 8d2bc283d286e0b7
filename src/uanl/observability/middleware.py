"""Request latency by route template (`/api/v1/tickets/{ticket_id}`, never the raw path)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uanl.observability import metrics


def route_label(scope: Scope) -> str:
    """The matched route's full template. FastAPI hands us the route as its router declared
    it (`/tickets/{ticket_id}`); the include prefix (`/api/v1`) is the part of the path in
    front of what the route's pattern matches."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None)
    pattern = getattr(route, "path_regex", None)
    if not template or pattern is None:
        # Unknown paths share one label, so scanners cannot grow the series without bound.
        return "unmatched"
    path = scope["path"]
    for cut, char in enumerate(path):
        if char == "/" and pattern.match(path[cut:]):
            return str(path[:cut] + template)
    return str(template)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            instruments = metrics.instruments()
            if instruments is not None:
                instruments.requests.labels(
                    scope["method"], route_label(scope), f"{status['code'] // 100}xx"
                ).observe(time.perf_counter() - start)
