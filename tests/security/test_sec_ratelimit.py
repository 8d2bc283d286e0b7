"""Rate limits (429 problem+json with RateLimit-* and Retry-After) and login lockout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.conftest import PASSWORD, assert_problem, make_settings
from uanl.core import db as dbmod
from uanl.core import security_events as security
from uanl.models import Operator, utcnow

LOGIN = "/api/v1/auth/token"


@pytest.fixture
def limited(app: Any, backend: Any):
    """Build a client whose app has rate limiting on, with small limits."""
    clients: list[TestClient] = []

    def build(ip: str = "testclient", same_app: TestClient | None = None, **env: str) -> TestClient:
        from uanl.app import create_app

        if same_app is not None:  # another client IP on the same app (same limiter)
            tc = TestClient(same_app.app, raise_server_exceptions=False, client=(ip, 50000))
            clients.append(tc)
            return tc

        values = {
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_API": "5/minute",
            "RATE_LIMIT_LOGIN": "3/minute",
            "RATE_LIMIT_WEBHOOK": "4/minute",
            "WATSON_API_KEY": "clave-watson-de-prueba-123456",
            **env,
        }
        settings = make_settings(backend.url, backend.settings.data_dir, **values)
        tc = TestClient(
            create_app(settings, configure_logging=False),
            raise_server_exceptions=False,
            client=(ip, 50000),
        )
        clients.append(tc)
        return tc

    yield build
    for tc in clients:
        tc.close()


def _limit_headers(resp: Any) -> tuple[int, int, int]:
    h = resp.headers
    return int(h["ratelimit-limit"]), int(h["ratelimit-remaining"]), int(h["ratelimit-reset"])


def test_api_limit_per_token_gives_429_with_headers(limited, staff, op_h, sup_h):
    security.reset()
    c = limited()
    first = c.get("/api/v1/clients/", headers=op_h)
    assert first.status_code == 200
    assert _limit_headers(first)[:2] == (5, 4)
    for _ in range(4):
        assert c.get("/api/v1/clients/", headers=op_h).status_code == 200
    refused = c.get("/api/v1/clients/", headers=op_h)
    body = assert_problem(refused, 429)
    assert "solicitudes" in body["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    limit, remaining, reset = _limit_headers(refused)
    assert (limit, remaining) == (5, 0) and 0 <= reset <= 60
    assert refused.headers["x-request-id"]
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Another operator (another token `sub`) has a budget of its own.
    assert c.get("/api/v1/clients/", headers=sup_h).status_code == 200
    assert security.snapshot()[1].get(security.RATE_LIMITED) == 1


def test_anonymous_api_calls_are_limited_per_ip(limited, staff):
    c = limited()
    for _ in range(5):
        assert c.get("/api/v1/clients/").status_code == 401
    assert_problem(c.get("/api/v1/clients/"), 429)
    # Health checks are never limited.
    assert c.get("/api/v1/health").status_code in (200, 503)
    other_ip = limited(ip="10.0.0.9", same_app=c)
    assert other_ip.get("/api/v1/clients/").status_code == 401


def test_disabled_rate_limit_sends_no_headers(client, staff, op_h):
    for _ in range(20):
        resp = client.get("/api/v1/clients/", headers=op_h)
        assert resp.status_code == 200
    assert "ratelimit-limit" not in resp.headers


def test_login_limit_per_ip(limited, staff):
    c = limited()
    for i in range(3):
        resp = c.post(LOGIN, data={"username": f"nadie{i}@example.mx", "password": "x"})
        assert_problem(resp, 401)
    refused = c.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD})
    assert_problem(refused, 429)
    assert "retry-after" in refused.headers


def test_login_limit_per_account_across_ips(limited, staff):
    first = limited(ip="10.0.1.0")
    for i in range(3):
        c = limited(ip=f"10.0.1.{i}", same_app=first)
        resp = c.post(LOGIN, data={"username": "sup@example.mx", "password": f"mala-{i}"})
        assert_problem(resp, 401)
    c = limited(ip="10.0.1.200", same_app=first)
    refused = c.post(LOGIN, data={"username": "SUP@example.mx", "password": PASSWORD})
    body = assert_problem(refused, 429)
    assert "cuenta" in body["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    # Other accounts from that IP are fine.
    ok = c.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD})
    assert ok.status_code == 200, ok.text


def test_webhook_limit_per_api_key(limited, staff):
    c = limited()
    key = {"X-API-Key": "clave-watson-de-prueba-123456"}
    statuses = [
        c.post("/api/v1/watson/analyze", json={"text": "hola"}, headers=key).status_code
        for _ in range(4)
    ]
    assert 429 not in statuses
    refused = c.post("/api/v1/watson/analyze", json={"text": "hola"}, headers=key)
    assert_problem(refused, 429)
    assert refused.headers["ratelimit-limit"] == "4"
    # A different credential is a different bucket (and is rejected by the key check).
    other = c.post("/api/v1/watson/analyze", json={"text": "hola"}, headers={"X-API-Key": "otra"})
    assert_problem(other, 401)


def test_failed_logins_lock_the_account_then_it_unlocks(client, staff):
    security.reset()
    for _ in range(5):
        bad = client.post(LOGIN, data={"username": "oper@example.mx", "password": "incorrecta"})
        assert_problem(bad, 401)
    # Locked: even the right password is refused, with Retry-After.
    locked = client.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD})
    body = assert_problem(locked, 423)
    assert "bloqueada" in body["detail"]
    assert 14 * 60 <= int(locked.headers["retry-after"]) <= 15 * 60
    with dbmod.session_scope() as db:
        op = db.get(Operator, staff.operator.id)
        assert op is not None and op.locked_until is not None
        assert op.locked_until > utcnow() + timedelta(minutes=14)
    # Other accounts are unaffected.
    ok = client.post(LOGIN, data={"username": "sup@example.mx", "password": PASSWORD})
    assert ok.status_code == 200
    # The lock expires.
    with dbmod.session_scope() as db:
        db.execute(
            update(Operator)
            .where(Operator.id == staff.operator.id)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    ok = client.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD})
    assert ok.status_code == 200, ok.text
    with dbmod.session_scope() as db:
        op = db.get(Operator, staff.operator.id)
        assert op is not None and op.locked_until is None and op.failed_login_count == 0
    counts = security.snapshot()[1]
    assert counts[security.LOGIN_FAILED] == 5
    assert counts[security.ACCOUNT_LOCKED] == 1
    assert counts[security.LOGIN_LOCKED] == 1


def test_successful_login_resets_the_failure_count(client, staff):
    for _ in range(4):
        client.post(LOGIN, data={"username": "oper@example.mx", "password": "incorrecta"})
    assert client.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD}).is_success
    for _ in range(4):
        client.post(LOGIN, data={"username": "oper@example.mx", "password": "incorrecta"})
    ok = client.post(LOGIN, data={"username": "oper@example.mx", "password": PASSWORD})
    assert ok.status_code == 200, ok.text


def test_security_events_endpoint_counts_by_kind(client, staff, admin_h, op_h):
    security.reset()
    client.post(LOGIN, data={"username": "oper@example.mx", "password": "incorrecta"})
    assert_problem(client.get("/api/v1/audit", headers=op_h), 403)
    resp = client.get("/api/v1/audit/security-events", headers=admin_h)
    assert resp.status_code == 200
    data = resp.json()
    assert data["counts"][security.LOGIN_FAILED] == 1
    assert data["counts"][security.FORBIDDEN] == 1
    assert data["total"] == sum(data["counts"].values())


def test_rejected_watson_key_is_a_security_event(limited, staff):
    security.reset()
    c = limited(RATE_LIMIT_ENABLED="false")
    resp = c.post("/api/v1/watson/analyze", json={"text": "hola"}, headers={"X-API-Key": "mala"})
    assert_problem(resp, 401)
    assert security.snapshot()[1][security.WEBHOOK_REJECTED] == 1
