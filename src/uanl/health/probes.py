"""Kubernetes/Compose-style probes at the root, public like /api/v1/health.

/livez: the process answers (no dependency is checked: a database outage must not make an
orchestrator restart healthy API processes). /readyz: this process can serve traffic now:
database reachable, schema at the newest migration, Redis reachable when configured. A
database that answers but has no free connection for the probe right now ("busy") is still
ready: taking a process at capacity out of rotation would only push its load onto the others.
Both probes use the database's probe engine, never the requests' pool (core/db.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.health.router import _check, _redis_ping, database_check

router = APIRouter(tags=["health"])
_head_revision = cache(migrate.head_revision)  # fixed for the life of the process


@router.get("/livez", summary="Liveness: the process is up (no token needed)")
def livez() -> dict[str, str]:
    return {"status": "alive"}


def _migrations() -> dict[str, Any]:
    try:
        current = migrate.revision_of(dbmod.probe_engine())
    except Exception as exc:  # noqa: BLE001 - reported as data
        return {"status": "down", "error": type(exc).__name__}
    head = _head_revision()
    return {"status": "ok" if current == head else "behind", "current": current, "head": head}


@router.get("/readyz", summary="Readiness: database, migrations and Redis (no token needed)")
def readyz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    checks: dict[str, Any] = {"database": database_check()}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = _migrations()
    if settings.redis_url:
        checks["redis"] = _check(lambda: _redis_ping(settings.redis_url))
    ready = all(c["status"] in ("ok", "busy") for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
