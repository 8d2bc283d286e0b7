"""Security headers, CORS, body size limit, trusted hosts, no stack traces, JWT aud/iss."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from tests.conftest import TEST_SECRET, assert_problem
from tests.factories import app_builder
from uanl.core.hardening import API_CSP, CONSOLE_CSP, DOCS_CSP
from uanl.core.security import JWT_AUDIENCE, JWT_ISSUER


@pytest.fixture
def custom(app: Any, backend: Any) -> Iterator[Any]:
    """A client on an app built with extra settings."""
    with app_builder(backend) as build:
        yield build


def test_security_headers_on_api_responses_and_errors(client, staff, op_h):
    for resp in (
        client.get("/api/v1/clients/", headers=op_h),
        client.get("/api/v1/clients/"),  # 401
        client.get("/api/v1/no-existe"),  # 404
    ):
        h = resp.headers
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        assert h["content-security-policy"] == API_CSP
        assert "default-src 'none'" in API_CSP and "frame-ancestors 'none'" in API_CSP


def test_docs_and_console_get_their_own_policy(client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == DOCS_CSP
    # Everything the Swagger UI page loads from elsewhere is allowed by the policy.
    for url in ("https://cdn.jsdelivr.net", "https://fastapi.tiangolo.com"):
        if url in docs.text:
            assert url in DOCS_CSP
    root = client.get("/", follow_redirects=False)
    assert root.headers["content-security-policy"] == CONSOLE_CSP
    assert root.headers["x-frame-options"] == "DENY"


def test_cors_is_closed_by_default(client, staff, op_h):
    resp = client.get("/api/v1/clients/", headers={**op_h, "Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in resp.headers
    pre = client.options(
        "/api/v1/clients/",
        headers={
            "Origin": "https://evil.example.com",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert "access-control-allow-origin" not in pre.headers


def test_cors_opens_for_configured_origins_only(custom, staff, op_h):
    c = custom(CORS_ORIGINS="https://consola.uanl.mx, https://bi.uanl.mx")
    ok = c.get("/api/v1/clients/", headers={**op_h, "Origin": "https://bi.uanl.mx"})
    assert ok.headers["access-control-allow-origin"] == "https://bi.uanl.mx"
    assert "x-request-id" in ok.headers["access-control-expose-headers"].lower()
    pre = c.options(
        "/api/v1/clients/",
        headers={
            "Origin": "https://consola.uanl.mx",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "https://consola.uanl.mx"
    other = c.get("/api/v1/clients/", headers={**op_h, "Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


def test_body_larger_than_limit_is_413_by_content_length(custom, staff, op_h):
    c = custom(MAX_BODY_BYTES="2048")
    big = {"name": "x" * 100, "notes": "y" * 5000}
    resp = c.post("/api/v1/clients/", json=big, headers=op_h)
    body = assert_problem(resp, 413)
    assert "2048" in body["detail"]
    assert resp.headers["x-content-type-options"] == "nosniff"
    small = c.post("/api/v1/clients/", json={"name": "Pequeño"}, headers=op_h)
    assert small.status_code == 201, small.text


def test_body_larger_than_limit_is_413_when_chunked(custom, staff, op_h):
    c = custom(MAX_BODY_BYTES="2048")

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"z" * 500
        yield b'"}'

    resp = c.post(
        "/api/v1/clients/",
        content=chunks(),
        headers={**op_h, "Content-Type": "application/json"},
    )
    assert "content-length" not in resp.request.headers
    assert_problem(resp, 413)


def test_trusted_hosts(custom, staff, op_h):
    c = custom(ALLOWED_HOSTS="api.uanl.mx,*.uanl.edu.mx")
    assert_problem(c.get("/api/v1/clients/", headers=op_h), 400)  # Host: testserver
    ok = c.get("/api/v1/clients/", headers={**op_h, "Host": "api.uanl.mx"})
    assert ok.status_code == 200
    sub = c.get("/api/v1/clients/", headers={**op_h, "Host": "mesa.uanl.edu.mx:8443"})
    assert sub.status_code == 200
    assert_problem(c.get("/api/v1/clients/", headers={**op_h, "Host": "uanl.mx.evil.com"}), 400)


def test_unexpected_error_has_no_stack_trace(app, client):
    def boom() -> None:
        raise RuntimeError("secreto interno: password=abc")

    app.add_api_route("/api/v1/test-boom", boom, methods=["GET"])
    resp = client.get("/api/v1/test-boom")
    body = assert_problem(resp, 500)
    assert "Traceback" not in resp.text
    assert "secreto" not in resp.text and "RuntimeError" not in resp.text
    assert set(body) <= {"type", "title", "status", "detail", "instance"}
    assert resp.headers["x-content-type-options"] == "nosniff"


def _token(**overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "1",
        "role": "admin",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "typ": "access",
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "otra-api"},
        {"aud": None},
        {"iss": "otro-emisor"},
        {"iss": None},
        {"typ": "refresh"},
        {"exp": 1},
    ],
)
def test_tokens_with_wrong_audience_or_issuer_are_refused(client, staff, overrides):
    token = _token(sub=str(staff.admin.id), **overrides)
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(resp, 401)


def test_well_formed_token_is_accepted(client, staff):
    token = _token(sub=str(staff.admin.id))
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
