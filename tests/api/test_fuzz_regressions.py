"""Bugs the OpenAPI fuzzer (tests/fuzz) found, each pinned by a plain regression test."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from tests.conftest import assert_problem

HUGE = str(2**70)  # SQLite could not bind it (OverflowError -> 500 before the fix)


def test_huge_path_id_is_a_422_not_a_500(client: TestClient, admin_h: dict[str, str]) -> None:
    assert_problem(client.get(f"/api/v1/tickets/{HUGE}/comments", headers=admin_h), 422)
    assert_problem(
        client.patch(f"/api/v1/clients/{HUGE}", json={"name": "X"}, headers=admin_h), 422
    )
    assert_problem(client.get(f"/api/v1/tickets/{2**31}", headers=admin_h), 422)


def test_largest_id_is_a_plain_404(client: TestClient, admin_h: dict[str, str]) -> None:
    assert_problem(client.get(f"/api/v1/tickets/{2**31 - 1}", headers=admin_h), 404)


def test_huge_id_in_query_and_body_is_a_422(client: TestClient, admin_h: dict[str, str]) -> None:
    assert_problem(client.get(f"/api/v1/calls/?client_id={HUGE}", headers=admin_h), 422)
    body = {"title": "Sin red en el piso 3", "client_id": int(HUGE)}
    assert_problem(client.post("/api/v1/tickets/", json=body, headers=admin_h), 422, "client_id")


def _responses(client: TestClient, path: str, method: str) -> dict[str, Any]:
    document = client.get("/api/v1/openapi.json").json()
    return dict(document["paths"][path][method]["responses"])


def test_errors_are_documented_as_problem_json(client: TestClient) -> None:
    """FastAPI documented 422 as application/json and no 401/403/404/409/429/503 at all."""
    responses = _responses(client, "/api/v1/tickets/{ticket_id}", "get")
    for status in ("401", "403", "404", "422", "429", "503"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
    document = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    validate(document)  # still a valid OpenAPI document


def test_non_json_bodies_are_documented(client: TestClient) -> None:
    analytics = _responses(client, "/api/v1/reports/analytics", "get")["200"]["content"]
    assert {"application/json", "text/csv; charset=utf-8", "application/x-ndjson"} <= set(analytics)
    csat_page = _responses(client, "/api/v1/csat/{token}", "get")
    assert "text/html" in csat_page["404"]["content"]


def test_overlong_time_zone_is_a_422(client: TestClient, admin_h: dict[str, str]) -> None:
    """ZoneInfo raises OSError (file name too long) for a long key: that was a 500."""
    tz = "America/" + "x" * 300
    resp = client.post(
        "/api/v1/business-calendars/", json={"name": "Norte", "tz": tz}, headers=admin_h
    )
    assert_problem(resp, 422, "tz")


def test_report_job_schedule_and_chart_ids_are_bounded(
    client: TestClient, admin_h: dict[str, str]
) -> None:
    assert_problem(client.get(f"/api/v1/reports/jobs/{HUGE}", headers=admin_h), 422)
    assert_problem(client.get(f"/api/v1/reports/jobs/{HUGE}/download", headers=admin_h), 422)
    assert_problem(client.get(f"/api/v1/reports/schedules/{HUGE}", headers=admin_h), 422)
    chart = f"/api/v1/dashboards/charts/tickets-by-state?operator_id={HUGE}"
    assert_problem(client.get(chart, headers=admin_h), 422)
