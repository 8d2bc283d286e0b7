"""Every route but the public ones answers 401 without a token (routes read from the app)."""

from __future__ import annotations

import re

from tests.conftest import assert_problem

PUBLIC = {
    ("GET", "/api/v1/health"),
    ("GET", "/livez"),  # probes: no dependency detail worth hiding, orchestrators call them
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),  # authenticated by the refresh token in the body
    ("POST", "/api/v1/watson/webhook"),  # signed by Watson's own credentials
    # Orchestrate tools: authenticated by the Watson API key, not a staff token.
    ("POST", "/api/v1/watson/tools/tickets"),
    ("GET", "/api/v1/watson/tools/tickets/{ticket_id}"),
    ("POST", "/api/v1/watson/tools/visits"),
    ("POST", "/api/v1/watson/tools/reports"),
    ("GET", "/api/v1/csat/{token}"),  # satisfaction survey: the signed link is the credential
    ("POST", "/api/v1/csat/{token}"),
    ("GET", "/api/v1/visits/operators/{operator_id}/calendar.ics"),  # secret token in URL
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def protected_routes(app) -> list[tuple[str, str]]:
    """Every operation in the app's OpenAPI document, and each collection's slash twin."""
    public = {(m, p.rstrip("/")) for m, p in PUBLIC}
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            method = method.upper()
            if (method, path.rstrip("/")) in public:
                continue
            out.append((method, path))
            if path.endswith("/"):
                out.append((method, path.rstrip("/")))
    return out


def test_every_protected_route_requires_a_token(client, app):
    routes = protected_routes(app)
    assert len(routes) >= 30, routes  # the enumeration really found the API
    for method, path in routes:
        resp = client.request(method, _concrete(path))
        assert resp.status_code == 401, (method, path, resp.status_code, resp.text)
        assert resp.headers.get("www-authenticate") == "Bearer", (method, path)
        assert_problem(resp, 401)


def test_every_protected_route_rejects_a_bad_token(client, app):
    headers = {"Authorization": "Bearer not-a-jwt"}
    for method, path in protected_routes(app):
        resp = client.request(method, _concrete(path), headers=headers)
        assert resp.status_code == 401, (method, path, resp.status_code)


def test_public_routes_work_without_token(client):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
