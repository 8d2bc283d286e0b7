"""`GET /api/v1/health`: liveness and dependencies, cheap under load (issue 12).

The database and Redis are probed at most once per PROBE_CACHE_SECONDS per process; the
requests in between answer from that result, without a worker thread or a connection. The
probe runs on the database's own one-connection engine (`db.probe_engine`) and in a thread
outside the requests' thread pool, so it never queues behind requests waiting for the pool:
a probe that gets no connection in time says "busy", not "down". The requests' load (pool
connections in use, admission slots, waiting and rejected requests) is read live: no I/O.
"""

from __future__ import annotations

import time
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from uanl import __version__
from uanl.core import db as dbmod
from uanl.core.config import get_settings
from uanl.core.errors import is_busy_error

router = APIRouter(tags=["health"])

PROBE_CACHE_SECONDS = 1.0


def _check(fn: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        fn()
        return {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 2)}
    except Exception as exc:  # noqa: BLE001 - health reports any failure as data
        status = "busy" if is_busy_error(exc) else "down"
        return {"status": status, "error": type(exc).__name__}


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


def database_check() -> dict[str, Any]:
    """SELECT 1 on the probe engine (never the requests' pool)."""
    return _check(lambda: dbmod.ping(dbmod.probe_engine()))


def _probe(redis_url: str | None) -> dict[str, Any]:
    checks: dict[str, Any] = {"database": database_check()}
    if redis_url:
        checks["redis"] = _check(lambda: _redis_ping(redis_url))
    return checks


# The last probe: what it probed (engine object, Redis URL), when, and its checks.
_last: dict[str, Any] = {}
_limiters: dict[str, CapacityLimiter] = {}


def _fresh(engine: Any, redis_url: str | None) -> dict[str, Any] | None:
    if _last.get("engine") is not engine or _last.get("redis_url") != redis_url:
        return None
    if time.monotonic() - _last["at"] > PROBE_CACHE_SECONDS:
        return None
    return _last


async def cached_checks(redis_url: str | None) -> tuple[dict[str, Any], float]:
    """The dependency checks, probed at most once per PROBE_CACHE_SECONDS (one probe at a
    time per process; the others wait for it), and the result's age in seconds."""
    engine = dbmod.get_engine()
    hit = _fresh(engine, redis_url)
    if hit is None:
        if not _limiters:  # created inside the event loop (anyio picks its backend there)
            _limiters["flight"] = CapacityLimiter(1)
            _limiters["thread"] = CapacityLimiter(1)
        async with _limiters["flight"]:
            hit = _fresh(engine, redis_url)  # another request may just have probed
            if hit is None:
                checks = await to_thread.run_sync(_probe, redis_url, limiter=_limiters["thread"])
                hit = {"engine": engine, "redis_url": redis_url, "at": time.monotonic()}
                hit["checks"] = checks
                _last.clear()
                _last.update(hit)
    age = time.monotonic() - hit["at"]
    return {name: dict(check) for name, check in hit["checks"].items()}, age


@router.get("/health", summary="Liveness and dependencies (no token needed)")
async def health() -> JSONResponse:
    settings = get_settings()
    checks, age = await cached_checks(settings.redis_url)
    checks["database"]["backend"] = "sqlite" if settings.is_sqlite else "postgresql"
    admission = dbmod.admission().stats()
    load = {"pool": dbmod.pool_usage(), "admission": admission}
    # The database is essential; Redis being down degrades but does not stop the API. Busy
    # (every slot taken, requests waiting) is still healthy: 200, so that a load balancer
    # keeps sending traffic to a process that is working at capacity.
    healthy = checks["database"]["status"] != "down"
    degraded = any(c["status"] == "down" for c in checks.values())
    busy = checks["database"]["status"] == "busy" or admission["waiting"] > 0
    status = "down" if not healthy else "degraded" if degraded else "busy" if busy else "ok"
    body = {
        "status": status,
        "version": __version__,
        "mode": "production" if settings.is_production else "development",
        "checks": checks,
        "load": load,
        "probe_age_ms": round(age * 1000, 1),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
