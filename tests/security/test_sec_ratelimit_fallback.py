"""Rate limits without Redis (issue 12.7): an in-process fallback, and trusted proxies.

With REDIS_URL unreachable at start, or Redis stopping mid-run, login and token refresh stay
limited by a MemoryStorage in the API process; one WARNING per transition; back on Redis
when it answers again. `X-Forwarded-For` counts only from the proxies in TRUSTED_PROXIES,
for the limiter and the audit log alike: checked through `uanl serve` (a real uvicorn on
loopback), since the TestClient peer is not an address.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from loguru import logger
from pydantic import ValidationError
from sqlalchemy import select

from tests.conftest import (
    PASSWORD,
    TEST_DATA_KEYS,
    TEST_INDEX_KEY,
    TEST_SECRET,
    assert_problem,
    make_settings,
)
from tests.factories import app_builder
from tests.faults.procs import own_redis
from tests.servers import free_port
from tests.workers import wait_for
from uanl.core import db as dbmod
from uanl.core import ratelimit
from uanl.core.ratelimit import RateLimiter
from uanl.models.audit_log import AuditLog

LOGIN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """The rate limiter's WARNING lines about its storage."""
    lines: list[str] = []
    sink = logger.add(
        lambda m: lines.append(m.record["message"]),
        level="WARNING",
        filter=lambda r: r["name"] == "uanl.core.ratelimit" and r["level"].name == "WARNING",
    )
    yield lines
    logger.remove(sink)


@pytest.fixture
def build(app: Any, backend: Any) -> Iterator[Any]:
    with app_builder(backend, RATE_LIMIT_ENABLED="true", RATE_LIMIT_LOGIN="5/minute") as make:
        yield make


def _wrong_login(c: Any, i: int, **kw: Any) -> Any:
    return c.post(LOGIN, data={"username": f"nadie{i}@example.mx", "password": "x"}, **kw)


def _assert_refused(resp: Any, limit: int) -> None:
    assert_problem(resp, 429)
    assert 1 <= int(resp.headers["retry-after"]) <= 60
    assert resp.headers["ratelimit-limit"] == str(limit)
    assert resp.headers["ratelimit-remaining"] == "0"


def test_wrong_logins_with_redis_unreachable_at_start_get_429(build, staff, warnings):
    c = build(REDIS_URL=UNREACHABLE, RATE_LIMIT_API="4/minute")
    statuses = [_wrong_login(c, i).status_code for i in range(15)]
    assert statuses == [401] * 5 + [429] * 10, statuses
    _assert_refused(_wrong_login(c, 99), 5)
    # Token refresh (anonymous: the API bucket per IP) is limited too.
    body = {"refresh_token": "no-es-un-token-valido"}
    refresh = [c.post(REFRESH, json=body).status_code for _ in range(5)]
    assert refresh == [401] * 4 + [429], refresh
    limiter = ratelimit.current()
    assert limiter is not None and limiter.remote and limiter.degraded
    degraded = [w for w in warnings if "Redis" in w and "memory" in w]
    assert len(warnings) == 1 and len(degraded) == 1, warnings


def test_redis_stopping_mid_run_keeps_login_and_refresh_limited(build, staff, warnings):
    with own_redis() as server:
        c = build(REDIS_URL=server.url, RATE_LIMIT_API="3/minute")
        assert [_wrong_login(c, i).status_code for i in range(2)] == [401, 401]
        assert c.post(REFRESH, json={"refresh_token": "x" * 20}).status_code == 401
        keys = redis.Redis(port=server.port).keys("LIMITS:*")
        # Both counted in Redis while it ran.
        assert any(b"login-ip" in k for k in keys) and any(b"api-ip" in k for k in keys), keys
        assert warnings == []
        server.stop()
        # The in-process window starts afresh: at most the configured limit gets through.
        statuses = [_wrong_login(c, i).status_code for i in range(2, 10)]
        assert statuses == [401] * 5 + [429] * 3, statuses
        refresh = [c.post(REFRESH, json={"refresh_token": "x" * 20}).status_code for _ in range(4)]
        assert refresh == [401] * 3 + [429], refresh
        assert len(warnings) == 1 and "Redis" in warnings[0], warnings


def test_limiter_degrades_once_and_returns_to_redis(tmp_path, warnings):
    with own_redis() as server:
        settings = make_settings(
            None,
            tmp_path,
            REDIS_URL=server.url,
            RATE_LIMIT_ENABLED="true",
            RATE_LIMIT_LOGIN="3/minute",
        )
        limiter = RateLimiter(settings)
        limiter.probe_interval_s = 0.0  # probe Redis on every request while degraded
        key = ("login-ip", uuid.uuid4().hex)
        assert limiter.hit(limiter.login, *key).remaining == 2
        client = redis.Redis(port=server.port)
        assert client.keys("LIMITS:*")
        server.stop()
        verdicts = [limiter.hit(limiter.login, *key) for _ in range(4)]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert limiter.degraded and len(warnings) == 1
        server.start()  # same port, empty: the limiter finds it on its next probe
        back = limiter.hit(limiter.login, *key)
        assert not limiter.degraded
        assert back.allowed and back.remaining == 2  # counted in the new Redis
        assert redis.Redis(port=server.port).keys("LIMITS:*")
        assert limiter.hit(limiter.login, *key).remaining == 1
        assert len(warnings) == 2 and "Redis" in warnings[1], warnings
        assert warnings[0] != warnings[1]  # degraded, then recovered


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path):
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES") as info:
        make_settings(None, tmp_path, TRUSTED_PROXIES="127.0.0.1,proxy.example.mx")
    assert "proxy.example.mx" in str(info.value)
    ok = make_settings(None, tmp_path, TRUSTED_PROXIES=" 10.0.0.0/8 , ::1 ")
    assert ok.trusted_proxy_list == ["10.0.0.0/8", "::1"]
    assert make_settings(None, tmp_path, TRUSTED_PROXIES="").trusted_proxy_list == []


# --- X-Forwarded-For through `uanl serve` -------------------------------------------------


@contextmanager
def _serve(backend: Any, tmp_path: Path, **env: str) -> Iterator[httpx.Client]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "RATE_LIMIT", "TRUSTED_", "FORWARDED_"))
        and k not in {"SECRET_KEY", "UANL_ENV", "DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}
    }
    full.update(
        {
            "DATABASE_URL": backend.url,
            "UANL_DATA_DIR": str(tmp_path),
            "SECRET_KEY": TEST_SECRET,
            "DATA_ENCRYPTION_KEYS": TEST_DATA_KEYS,
            "BLIND_INDEX_KEY": TEST_INDEX_KEY,
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_LOGIN": "3/minute",
            **env,
        }
    )
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uanl.cli", "serve", "--port", str(port)],
            env=full,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def up() -> bool:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            return http.get("/api/v1/health").status_code in (200, 503)
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60, interval=0.2)
        yield http
    finally:
        http.close()
        proc.terminate()
        proc.wait(timeout=30)


def _audited_ip(request_id: str) -> str | None:
    with dbmod.session_scope() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.request_id == request_id)).all()
        assert len(rows) == 1, [(r.entity, r.action) for r in rows]
        return rows[0].ip


def _failed_login_of_staff(http: httpx.Client, xff: str) -> str:
    rid = uuid.uuid4().hex
    headers = {"X-Forwarded-For": xff, "X-Request-ID": rid}
    resp = http.post(
        LOGIN, data={"username": "oper@example.mx", "password": "mala"}, headers=headers
    )
    assert_problem(resp, 401)
    return rid


def test_forwarded_for_from_an_untrusted_peer_is_ignored(backend, staff, tmp_path):
    # The proxy lives elsewhere; this loopback peer is not it. Redis is down as well.
    with _serve(backend, tmp_path, TRUSTED_PROXIES="10.255.0.1", REDIS_URL=UNREACHABLE) as http:
        rid = _failed_login_of_staff(http, "203.0.113.7")
        assert _audited_ip(rid) == "127.0.0.1"  # the peer, not what it claimed
        # Rotating the claimed address does not buy a fresh budget.
        statuses = [
            _wrong_login(http, i, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(10, 16)
        ]
        assert statuses == [401, 401, 429, 429, 429, 429], statuses
        refused = _wrong_login(http, 1, headers={"X-Forwarded-For": "198.51.100.200"})
        _assert_refused(refused, 3)


def test_forwarded_for_from_a_trusted_proxy_is_honoured(backend, staff, tmp_path):
    with _serve(backend, tmp_path, TRUSTED_PROXIES="127.0.0.0/8,::1") as http:
        rid = _failed_login_of_staff(http, "198.51.100.9")
        assert _audited_ip(rid) == "198.51.100.9"
        # A client's own X-Forwarded-For (left of what the proxy appended) is not believed.
        rid = _failed_login_of_staff(http, "6.6.6.6, 198.51.100.10")
        assert _audited_ip(rid) == "198.51.100.10"
        one = {"X-Forwarded-For": "198.51.100.1"}
        statuses = [_wrong_login(http, i, headers=one).status_code for i in range(4)]
        assert statuses == [401, 401, 401, 429], statuses
        # Each client behind the proxy has its budget.
        other = _wrong_login(http, 5, headers={"X-Forwarded-For": "198.51.100.2"})
        assert other.status_code == 401, other.text
        ok = http.post(
            LOGIN,
            data={"username": "sup@example.mx", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.3"},
        )
        assert ok.status_code == 200, ok.text
