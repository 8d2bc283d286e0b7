from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from uanl import __version__
from uanl.core import db as dbmod
from uanl.core.config import get_settings

router = APIRouter(tags=["health"])


def _check(fn: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        fn()
        return {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 2)}
    except Exception as exc:  # noqa: BLE001 - health reports any failure as data
        return {"status": "down", "error": type(exc).__name__}


_clients: dict[str, Any] = {}


def _redis_ping(url: str | None = None) -> None:
    """PING over this process's pooled connection (a broken one is replaced by the pool);
    a new TCP connection per probe costs more than the rest of the health check."""
    import redis

    url = url or get_settings().redis_url or ""
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=1, health_check_interval=30
        )
    client.ping()


@router.get("/health", summary="Liveness and dependencies (no token needed)")
def health() -> JSONResponse:
    settings = get_settings()
    checks: dict[str, Any] = {"database": _check(dbmod.ping)}
    checks["database"]["backend"] = "sqlite" if settings.is_sqlite else "postgresql"
    if settings.redis_url:
        checks["redis"] = _check(_redis_ping)
    # The database is essential; Redis being down degrades but does not stop the API.
    healthy = checks["database"]["status"] == "ok"
    degraded = any(c["status"] != "ok" for c in checks.values())
    body = {
        "status": "ok" if not degraded else ("degraded" if healthy else "down"),
        "version": __version__,
        "mode": "production" if settings.is_production else "development",
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
