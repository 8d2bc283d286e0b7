"""Request latency by route template (`/api/v1/tickets/{ticket_id}`, never the raw path)."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

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


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Record one request's latency (called by RequestContextMiddleware, which times it)."""
    instruments = metrics.instruments()
    if instruments is not None:
        instruments.requests.labels(
            scope["method"], route_label(scope), f"{status // 100}xx"
        ).observe(seconds)
