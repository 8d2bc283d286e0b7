"""A database outage is a clean 503 problem+json with Retry-After, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Backend, assert_problem
from uanl.core import db as dbmod


def test_database_down_is_a_503(
    client: TestClient, admin_h: dict[str, str], backend: Backend
) -> None:
    dbmod.configure(url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")  # nothing listens
    try:
        resp = client.post("/api/v1/tickets", json={"title": "Sin red"}, headers=admin_h)
        body = assert_problem(resp, 503)
        assert "database" in body["detail"] and resp.headers["retry-after"] == "5"
    finally:
        dbmod.configure(backend.settings)
    assert client.get("/api/v1/tickets", headers=admin_h).status_code == 200
