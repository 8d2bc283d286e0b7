"""Analysis, the Orchestrate tool endpoints, staff views and the OpenAPI tools document."""

from __future__ import annotations

import json
import re
from typing import Any

from openapi_spec_validator import validate
from typer.testing import CliRunner

from tests.conftest import assert_problem
from tests.watson.watson_fixtures import KEY, key_headers, world, wsettings
from uanl.cli import app as cli_app
from uanl.watson.openapi import build_openapi

__all__ = ["wsettings", "world"]
W = "/api/v1/watson"


def test_analyze_with_staff_token_or_watson_key(client, world, op_h):
    body = {
        "text": "agenda visita a Oxxo el viernes a mediodía",
        "reference_time": "2026-11-26T10:00:00-06:00",
    }
    for headers in (op_h, key_headers(), {"Authorization": f"Bearer {KEY}"}):
        resp = client.post(f"{W}/analyze", json=body, headers=headers)
        assert resp.status_code == 200, resp.text
        out = resp.json()
        assert out["intent"] == "schedule_visit" and out["language"] == "es"
        assert out["entities"]["client"] == "Oxxo"
        assert out["entities"]["when"] == "2026-11-27T12:00:00-06:00"
    assert_problem(client.post(f"{W}/analyze", json=body), 401)
    assert_problem(client.post(f"{W}/analyze", json=body, headers={"X-API-Key": "bad"}), 401)
    assert_problem(client.post(f"{W}/analyze", json={"text": ""}, headers=op_h), 422, "text")


def test_tool_endpoints(client, world):
    resp = client.post(
        f"{W}/tools/tickets",
        json={"text": "No imprime la impresora de caja", "client_name": "oxxo", "priority": "high"},
        headers=key_headers(),
    )
    assert resp.status_code == 200, resp.text
    ticket = resp.json()
    assert ticket["client_id"] == world["oxxo"] and ticket["category"] == "hardware"
    assert ticket["priority"] == "high" and ticket["url"].endswith(
        f"/tickets/{ticket['ticket_id']}"
    )
    status = client.get(
        f"{W}/tools/tickets/{ticket['ticket_id']}?language=en", headers=key_headers()
    )
    assert status.status_code == 200, status.text
    assert status.json()["state"] == "new" and status.json()["message"].startswith("Ticket #")
    assert_problem(client.get(f"{W}/tools/tickets/99999", headers=key_headers()), 404)
    visit = client.post(
        f"{W}/tools/visits",
        json={"client_id": world["vitro"], "start": "2026-12-02T12:00:00-06:00"},
        headers=key_headers(),
    )
    assert visit.status_code == 200, visit.text
    assert visit.json()["operator_id"] == world["tech"]
    clash = client.post(
        f"{W}/tools/visits",
        json={"client_name": "Oxxo", "start": "2026-12-02T12:00:00-06:00"},
        headers=key_headers(),
    )
    assert_problem(clash, 409)
    assert_problem(
        client.post(
            f"{W}/tools/visits",
            json={"client_name": "Nadie SA", "start": "2026-12-02T12:00:00-06:00"},
            headers=key_headers(),
        ),
        422,
        "client_name",
    )
    report = client.post(
        f"{W}/tools/reports",
        json={"report": "tickets", "format": "csv", "email": "ana@uanl.mx"},
        headers=key_headers(),
    )
    assert report.status_code == 200, report.text
    assert report.json()["report_id"] and report.json()["status"] == "queued"
    for method, path in (("POST", "/tools/tickets"), ("GET", "/tools/tickets/1")):
        assert_problem(client.request(method, W + path, json={"text": "abc"}), 401)


def test_tools_refuse_when_not_configured(client):
    assert_problem(client.post(f"{W}/tools/tickets", json={"text": "abc"}), 503)
    assert_problem(client.get(f"{W}/tools/tickets/1"), 503)


def test_status_sessions_and_transcript(client, world, op_h, admin_h):
    for session, text in (("s1", "no jala la impresora"), ("s1", "gracias"), ("s2", "hola")):
        resp = client.post(
            f"{W}/webhook", json={"text": text, "session_id": session}, headers=key_headers()
        )
        assert resp.status_code == 200
    status = client.get(f"{W}/status", headers=op_h).json()
    assert status["configured"] is True
    assert status["last_success_at"] is not None
    day = status["last_24h"]
    assert day["total"] == 3 and day["by_action"] == {"ticket_created": 1}
    assert day["by_intent"]["create_ticket"] == 1 and day["error_rate"] == 0.0
    assert (
        day["latency_ms"]["p50"] is not None
        and day["latency_ms"]["p95"] >= day["latency_ms"]["p50"]
    )
    page = client.get(f"{W}/sessions?limit=1", headers=op_h).json()
    assert page["total"] == 2 and page["limit"] == 1 and len(page["items"]) == 1
    both = client.get(f"{W}/sessions", headers=op_h).json()["items"]
    s1 = next(i for i in both if i["session_id"] == "s1")
    assert s1["turns"] == 2 and s1["outcomes"] == {"ok": 1, "unknown": 1}
    transcript = client.get(f"{W}/sessions/s1", headers=op_h).json()
    assert [t["text"] for t in transcript["turns"]] == ["no jala la impresora", "gracias"]
    assert transcript["turns"][0]["action"] == "ticket_created"
    assert_problem(client.get(f"{W}/sessions/nope", headers=op_h), 404)
    assert_problem(client.get(f"{W}/status", headers=key_headers()), 401)
    assert_problem(client.post(f"{W}/test-connection", headers=op_h), 403)


def _walk(node: Any, path: str = "") -> list[str]:
    """Paths of every `anyOf`/`oneOf`/`allOf` in the document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("anyOf", "oneOf", "allOf"):
                found.append(f"{path}/{key}")
            found.extend(_walk(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_walk(value, f"{path}/{i}"))
    return found


def check_orchestrate_rules(doc: dict[str, Any], server: str) -> None:
    validate(doc)
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": server}]
    for key in ("title", "description", "version"):
        assert doc["info"][key]
    scheme = doc["components"]["securitySchemes"]["watson_api_key"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert _walk(doc) == []
    op_ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", op["operationId"]), op
            assert op["description"].strip(), (method, path)
            assert op["security"] == [{"watson_api_key": []}]
            op_ids.append(op["operationId"])
            if "requestBody" in op:
                assert list(op["requestBody"]["content"]) == ["application/json"]
            for response in op["responses"].values():
                assert set(response.get("content", {"application/json": 0})) == {"application/json"}
    assert len(op_ids) == len(set(op_ids))
    assert {
        "send_message",
        "analyze_text",
        "create_ticket",
        "get_ticket_status",
        "schedule_visit",
        "request_report",
    } <= set(op_ids)
    # Every documented path exists in the API.
    from uanl.app import create_app

    real = create_app().openapi()["paths"]
    for path, ops in doc["paths"].items():
        assert path in real, path
        assert set(ops) <= set(real[path]), path


def test_openapi_document(client, wsettings, op_h):
    resp = client.get(f"{W}/openapi.json", headers=op_h)
    assert resp.status_code == 200
    check_orchestrate_rules(resp.json(), "https://desk.example.mx")
    assert_problem(client.get(f"{W}/openapi.json"), 401)
    assert build_openapi("https://a.mx/") == build_openapi("https://a.mx")  # stable


def test_cli_export(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cli.example.mx")
    from uanl.core.config import get_settings

    get_settings.cache_clear()
    target = tmp_path / "uanl-tools.json"
    result = CliRunner().invoke(cli_app, ["watson", "export-openapi", str(target)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    check_orchestrate_rules(json.loads(target.read_text()), "https://cli.example.mx")


def test_ticket_tool_title_follows_the_ticket_rules(client, world):
    """A one-character title used to pass the tool's schema and fail inside (500; fuzzer)."""
    for title in ("\\\\", "x ", "   "):
        resp = client.post(
            f"{W}/tools/tickets",
            json={"text": "falla de red en la oficina", "title": title},
            headers=key_headers(),
        )
        assert_problem(resp, 422, "title")
    resp = client.post(
        f"{W}/tools/tickets",
        json={"text": "falla de red en la oficina", "category": "  "},
        headers=key_headers(),
    )
    assert_problem(resp, 422, "category")


def test_unpaired_surrogates_are_a_422_and_nothing_is_written(client, world):
    """JSON escapes that decode to a lone surrogate are text no database can store."""
    from sqlalchemy import func, select

    from uanl.core import db as dbmod
    from uanl.models import Ticket, WatsonActivity

    headers = {**key_headers(), "Content-Type": "application/json"}
    for path, raw in (
        ("/tools/tickets", b'{"text": "falla \\udb3a de red"}'),
        ("/webhook", b'{"text": "no jala la red \\uDB3A", "session_id": "s-1"}'),
    ):
        resp = client.post(f"{W}{path}", content=raw, headers=headers)
        assert_problem(resp, 422, "text")
        assert "surrogate" in resp.json()["detail"]
    ok = client.post(f"{W}/tools/tickets", json={"text": "falla de red 😀"}, headers=headers)
    assert ok.status_code == 200, ok.text  # a real surrogate pair (emoji) is fine
    with dbmod.session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1
        assert db.scalar(select(func.count()).select_from(WatsonActivity)) == 1
