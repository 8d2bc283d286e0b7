"""NUL bytes (issue 12, item 5): PostgreSQL cannot store them, so every way in is a 422.

A NUL in a JSON string, a query parameter or a path segment is refused with problem+json
naming the field, on both backends (SQLite could store it; the API answers the same anyway),
and nothing is written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Client, Ticket, TicketComment

API = "/api/v1"


def _count(model) -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _loc(body: dict) -> list[list[str]]:
    return [e["loc"] for e in body.get("errors") or []]


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("title", {"title": "Impresora\u0000 rota"}),
        ("description", {"description": "no imprime\u0000"}),
        ("category", {"category": "red\u0000es"}),
        ("requester_name", {"requester_name": "Luis\u0000"}),
    ],
)
def test_nul_in_ticket_text_is_422_naming_the_field(client, op_h, field, extra):
    body = {"title": "Impresora rota", **extra}
    resp = client.post(f"{API}/tickets", json=body, headers=op_h)
    problem = assert_problem(resp, 422, field)
    assert ["body", field] in _loc(problem), problem
    assert "NUL" in problem["detail"]
    assert _count(Ticket) == 0


def test_nul_in_a_list_item_names_the_list(client, op_h):
    resp = client.post(
        f"{API}/tickets", json={"title": "Sin red", "tags": ["red", "a\u0000b"]}, headers=op_h
    )
    problem = assert_problem(resp, 422, "tags")
    assert ["body", "tags"] in _loc(problem), problem
    assert _count(Ticket) == 0


def test_nul_in_update_and_comment_is_422(client, op_h):
    created = client.post(f"{API}/tickets", json={"title": "Sin red"}, headers=op_h)
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    resp = client.patch(f"{API}/tickets/{tid}", json={"title": "Sin\u0000red"}, headers=op_h)
    assert ["body", "title"] in _loc(assert_problem(resp, 422, "title"))
    resp = client.post(f"{API}/tickets/{tid}/comments", json={"body": "hola\u0000"}, headers=op_h)
    assert ["body", "body"] in _loc(assert_problem(resp, 422, "body"))
    assert _count(TicketComment) == 0
    assert client.get(f"{API}/tickets/{tid}", headers=op_h).json()["title"] == "Sin red"


def test_nul_in_other_domains_bodies(client, admin_h):
    resp = client.post(f"{API}/clients", json={"name": "Oxxo\u0000"}, headers=admin_h)
    assert ["body", "name"] in _loc(assert_problem(resp, 422, "name"))
    resp = client.post(
        f"{API}/clients", json={"name": "Oxxo", "notes": "x\u0000y"}, headers=admin_h
    )
    assert ["body", "notes"] in _loc(assert_problem(resp, 422, "notes"))
    assert _count(Client) == 0


@pytest.mark.parametrize("param", ["q", "category", "tag", "sort", "undeclared"])
def test_nul_in_any_query_parameter_is_422_naming_it(client, op_h, param):
    resp = client.get(f"{API}/tickets?{param}=a%00b", headers=op_h)
    problem = assert_problem(resp, 422, param)
    assert problem["errors"] == [
        {"field": param, "loc": ["query", param], "reason": problem["errors"][0]["reason"]}
    ]
    assert "NUL" in problem["errors"][0]["reason"]


def test_nul_in_a_query_parameter_name(client, op_h):
    resp = client.get(f"{API}/tickets?a%00b=1", headers=op_h)
    problem = assert_problem(resp, 422)
    assert problem["errors"][0]["loc"][0] == "query"


def test_nul_in_a_path_parameter_names_it(client, admin_h):
    resp = client.get(f"{API}/watson/sessions/a%00b", headers=admin_h)
    problem = assert_problem(resp, 422, "session_id")
    assert ["path", "session_id"] in _loc(problem), problem


def test_clean_requests_still_pass(client, op_h):
    """The guard only refuses NUL: percent-escapes of other characters are untouched."""
    for query in ("q=a%20b%25", "q=a%2500b"):  # the second is the text "a%00b", no NUL
        resp = client.get(f"{API}/tickets?{query}", headers=op_h)
        assert resp.status_code == 200, resp.text
    resp = client.post(
        f"{API}/tickets", json={"title": "Tab\tand\nnewline", "description": "ok"}, headers=op_h
    )
    assert resp.status_code == 201, resp.text


def test_nul_in_report_requests_is_422(client, admin_h):
    """Report bodies are not Strict models (free-form filters and params): covered too."""
    flt = {"column": "title", "op": "contains", "value": "a\u0000b"}
    resp = client.post(
        f"{API}/reports/custom", json={"dataset": "tickets", "filters": [flt]}, headers=admin_h
    )
    problem = assert_problem(resp, 422, "filters")
    assert ["body", "filters"] in _loc(problem), problem
    assert "[0].value" in problem["detail"]
    schedule = {"name": "Semanal\u0000", "report_type": "tickets", "recurrence": {"every": "day"}}
    resp = client.post(f"{API}/reports/schedules", json=schedule, headers=admin_h)
    assert ["body", "name"] in _loc(assert_problem(resp, 422, "name"))
    job = {"report": "tickets", "params": {"category": "red\u0000"}}
    resp = client.post(f"{API}/reports/jobs", json=job, headers=admin_h)
    assert ["body", "params"] in _loc(assert_problem(resp, 422, "params"))
