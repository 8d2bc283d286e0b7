"""The webhook: authentication, the three shapes, actions, multi-turn and retries."""

from __future__ import annotations

import base64
import json
import time

import jwt
from sqlalchemy import func, select

from tests.conftest import assert_problem
from tests.watson.watson_fixtures import KEY, key_headers, watson_settings, world, wsettings
from uanl.core import db as dbmod
from uanl.models import Notification, Report, ScheduledVisit, Ticket, TicketSource, WatsonActivity
from uanl.watson import sessions
from uanl.watson.auth import sign

__all__ = ["wsettings", "world"]
URL = "/api/v1/watson/webhook"


def _count(model) -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _say(client, text, session="s-1", headers=None, **extra):
    body = {"text": text, "session_id": session, **extra}
    resp = client.post(URL, json=body, headers=headers or key_headers())
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_not_configured_is_503_never_open(client):
    resp = client.post(URL, json={"text": "hola"}, headers={"X-API-Key": "anything"})
    assert_problem(resp, 503)


def test_credentials(client, wsettings):
    body = {"text": "hola", "session_id": "auth"}
    assert_problem(client.post(URL, json=body), 401)
    assert_problem(client.post(URL, json=body, headers={"X-API-Key": KEY + "x"}), 401)
    assert_problem(client.post(URL, json=body, headers={"Authorization": "Bearer nope"}), 401)
    basic = base64.b64encode(f"apikey:{KEY}".encode()).decode()
    token = jwt.encode({"iat": int(time.time())}, KEY, algorithm="HS256")
    wrong_jwt = jwt.encode(
        {"iat": int(time.time())}, "other-secret-other-secret-other-secret", "HS256"
    )
    for i, headers in enumerate(
        [
            {"X-API-Key": KEY},
            {"Authorization": f"Bearer {KEY}"},
            {"Authorization": f"Basic {basic}"},
            {"Authorization": f"Bearer {token}"},
            {"Authorization": token},
        ]
    ):
        resp = client.post(URL, json={**body, "text": f"hola {i}"}, headers=headers)
        assert resp.status_code == 200, (headers, resp.text)
    assert_problem(
        client.post(URL, json=body, headers={"Authorization": f"Bearer {wrong_jwt}"}), 401
    )


def test_hmac_signature(client, wsettings):
    raw = json.dumps({"text": "hola firmado", "session_id": "sig"}).encode()
    ts = str(int(time.time()))
    ok = {"X-UANL-Timestamp": ts, "X-UANL-Signature": sign(KEY, ts, raw)}
    ok["Content-Type"] = "application/json"
    assert client.post(URL, content=raw, headers=ok).status_code == 200
    bad = {**ok, "X-UANL-Signature": "sha256=" + "0" * 64}
    assert_problem(client.post(URL, content=raw, headers={**bad, **key_headers()}), 401)
    old = str(int(time.time()) - 600)
    stale = {**ok, "X-UANL-Timestamp": old, "X-UANL-Signature": sign(KEY, old, raw)}
    assert_problem(client.post(URL, content=raw, headers=stale), 401)


def test_creates_ticket_with_client_priority_category(client, world):
    text = "Levanta un ticket urgente para Oxxo: no hay internet en la sucursal centro. Gracias"
    out = _say(client, text, user={"id": "u1", "name": "Luis", "email": "luis@uanl.mx"})
    assert out["status"] == "ok" and out["action"] == "ticket_created", out
    assert out["language"] == "es" and "ticket #" in out["reply"]
    ticket_id = out["result"]["ticket_id"]
    assert out["links"]["ticket"] == f"https://desk.example.mx/api/v1/tickets/{ticket_id}"
    with dbmod.session_scope() as db:
        ticket = db.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.client_id == world["oxxo"]
        assert ticket.priority.value == "urgent"
        assert ticket.category == "redes"
        assert ticket.source == TicketSource.watson
        assert ticket.title == "No hay internet en la sucursal centro"
        assert ticket.description == text
        assert ticket.requester_email == "luis@uanl.mx"
        row = db.scalars(select(WatsonActivity)).one()
        assert (row.intent, row.status, row.action) == ("create_ticket", "ok", "ticket_created")
        assert row.user_name == "Luis" and row.result["ticket_id"] == ticket_id
        assert row.latency_ms is not None and row.latency_ms > 0


def test_client_from_user_email_and_english(client, world):
    out = _say(
        client,
        "The printer on the second floor is broken, please open a ticket",
        user={"email": "TI@vitro.mx"},
    )
    assert out["status"] == "ok" and out["language"] == "en"
    assert out["reply"].startswith("Done, I opened ticket #")
    with dbmod.session_scope() as db:
        ticket = db.get(Ticket, out["result"]["ticket_id"])
        assert ticket.client_id == world["vitro"] and ticket.category == "hardware"


def test_retries_do_not_duplicate(client, world):
    headers = key_headers(**{"Idempotency-Key": "delivery-1"})
    first = client.post(
        URL, json={"text": "no jala la impresora", "session_id": "a"}, headers=headers
    )
    again = client.post(
        URL, json={"text": "no jala la impresora", "session_id": "a"}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    # Same session and text within two minutes, no key: the same delivery again.
    third = _say(client, "se cayó el internet en la oficina", session="b")
    fourth = _say(client, "se cayó el internet en la oficina", session="b")
    assert third == fourth
    assert _count(Ticket) == 2 and _count(WatsonActivity) == 2


def test_visit_multi_turn_asks_for_the_time(client, world):
    first = _say(client, "agenda una visita técnica para Oxxo", session="v1")
    assert first["status"] == "needs_input" and first["needs"] == "when", first
    assert "hora" in first["reply"]
    second = _say(client, "mañana a las 10", session="v1")
    assert second["status"] == "ok" and second["action"] == "visit_scheduled", second
    assert second["result"]["operator_id"] == world["tech"]
    assert "2026-12-02 10:00" in second["reply"]
    with dbmod.session_scope() as db:
        visit = db.scalars(select(ScheduledVisit)).one()
        assert visit.client_id == world["oxxo"]
        assert visit.scheduled_start.isoformat().startswith("2026-12-02T16:00")
    # The pending action is done: a third turn starts afresh.
    third = _say(client, "gracias", session="v1")
    assert third["status"] == "unknown"


def test_visit_multi_turn_asks_for_the_client_and_conflicts(client, world):
    first = _say(client, "programa una visita mañana a las 10", session="v2")
    assert first["needs"] == "client" and "cliente" in first["reply"], first
    second = _say(client, "Vitro", session="v2")
    assert second["status"] == "ok", second
    # Same slot again: the only technician is busy, so the desk asks for another time.
    third = _say(client, "agenda una visita a Oxxo mañana a las 10", session="v3")
    assert third["status"] == "needs_input" and third["needs"] == "when", third
    fourth = _say(client, "mejor el jueves a las 4 de la tarde", session="v3")
    assert fourth["status"] == "ok", fourth
    assert _count(ScheduledVisit) == 2


def test_status_asks_for_the_number(client, world, wsettings):
    created = _say(client, "abre un ticket: falla el conmutador", session="t0")
    ticket_id = created["result"]["ticket_id"]
    ask = _say(client, "¿cómo va mi ticket?", session="t1")
    assert ask["status"] == "needs_input" and ask["needs"] == "ticket_id", ask
    answer = _say(client, str(ticket_id), session="t1")
    assert answer["status"] == "ok" and answer["action"] == "ticket_status", answer
    assert answer["result"]["state"] and f"#{ticket_id}" in answer["reply"]
    missing = _say(client, "what's the status of ticket #9999?", session="t2")
    assert missing["status"] == "needs_input" and "9999" in missing["reply"]
    cancel = _say(client, "olvídalo", session="t2")
    assert cancel["status"] == "ok" and cancel["action"] is None


def test_notification_to_named_client(client, world):
    out = _say(client, "avísale a Oxxo que el técnico llega a las 5", session="n1")
    assert out["status"] == "ok" and out["action"] == "notification_sent", out
    with dbmod.session_scope() as db:
        row = db.get(Notification, out["result"]["notification_id"])
        assert row.recipient == "soporte@oxxo.mx" and row.recipient_client_id == world["oxxo"]
        assert "el técnico llega a las 5" in (row.body or "")


def test_report_needs_an_email_then_queues(client, world):
    first = _say(client, "genera el reporte de tickets del mes pasado en excel", session="r1")
    assert first["status"] == "needs_input" and first["needs"] == "email", first
    second = _say(client, "a ana@uanl.mx por favor", session="r1")
    assert second["status"] == "ok" and second["action"] == "report_queued", second
    assert second["result"]["report_id"] and "ana@uanl.mx" in second["reply"]
    with dbmod.session_scope() as db:
        report = db.get(Report, second["result"]["report_id"])
        assert report.report_type == "tickets" and report.format.value == "xlsx"
        assert report.parameters["date_from"] == "2026-11-01"


def test_assistant_webhook_shape(client, world):
    body = {
        "event": {"name": "message_received"},
        "payload": {
            "input": {"text": "no funciona el wifi del piso 3", "message_type": "text"},
            "context": {"global": {"session_id": "wa-1", "system": {"user_id": "anon-7"}}},
            "user_id": "anon-7",
        },
    }
    resp = client.post(URL, json=body, headers=key_headers())
    assert resp.status_code == 200, resp.text
    payload = resp.json()["payload"]
    assert payload["input"]["text"] == body["payload"]["input"]["text"]
    generic = payload["output"]["generic"]
    assert generic[-1]["response_type"] == "text" and "ticket #" in generic[-1]["text"]
    uanl = payload["context"]["skills"]["main skill"]["user_defined"]["uanl"]
    assert uanl["action"] == "ticket_created" and uanl["session_id"] == "wa-1"


def test_chat_completions_shape(client, world):
    body = {
        "model": "any",
        "messages": [
            {"role": "system", "content": "You are helpful"},
            {"role": "user", "content": [{"type": "text", "text": "¿qué tal?"}]},
            {"role": "assistant", "content": "Hola"},
            {"role": "user", "content": "schedule a visit to Vitro tomorrow at 11 am"},
        ],
    }
    resp = client.post(URL, json=body, headers=key_headers(**{"X-THREAD-ID": "th-9"}))
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["object"] == "chat.completion" and out["model"] == "uanl-service-desk"
    choice = out["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert (
        choice["message"]["role"] == "assistant" and "Visit booked" in choice["message"]["content"]
    )
    assert out["uanl"]["session_id"] == "th-9" and out["uanl"]["result"]["visit_id"]


def test_bad_bodies_are_422(client, wsettings):
    assert_problem(client.post(URL, content=b"not json", headers=key_headers()), 422)
    assert_problem(client.post(URL, json={"text": ""}, headers=key_headers()), 422, "text")
    assert_problem(client.post(URL, json={"messages": []}, headers=key_headers()), 422)


def test_pending_in_redis_when_configured(client, world, backend, monkeypatch):
    import redis

    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).ping()  # a required service of the suite: fail loudly if down
    settings = watson_settings(backend, REDIS_URL=url)
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: settings)
    session = f"redis-{time.time_ns()}"
    first = _say(client, "agenda una visita para Vitro", session=session)
    assert first["needs"] == "when"
    r = redis.Redis.from_url(url)
    key = f"uanl:watson:pending:{session}"
    assert r.get(key).startswith(b"enc1.")  # sealed (tests/security/test_pii_at_rest.py)
    assert json.loads(sessions._open_pending(r.get(key)))["intent"] == "schedule_visit"
    assert 0 < r.ttl(key) <= 1800
    second = _say(client, "mañana a las 12", session=session)
    assert second["status"] == "ok", second
    assert r.get(key) is None


def _sse_events(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.split("\n\n") if line.startswith("data: ")]


def test_chat_stream_true_answers_as_server_sent_events(client, world):
    body = {
        "stream": True,
        "messages": [{"role": "user", "content": "No funciona el internet en Vitro, urgente"}],
    }
    resp = client.post(URL, json=body, headers=key_headers(**{"X-THREAD-ID": "th-sse"}))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = _sse_events(resp.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    ticket_id = chunks[-1]["uanl"]["result"]["ticket_id"]
    assert f"#{ticket_id}" in text and len(chunks) > 3  # the text came in several pieces
    with dbmod.session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1  # acted once


def test_chat_without_stream_flag_stays_json(client, world):
    body = {"stream": False, "messages": [{"role": "user", "content": "estado del ticket 1"}]}
    resp = client.post(URL, json=body, headers=key_headers())
    assert resp.status_code == 200 and resp.json()["object"] == "chat.completion"


def test_simultaneous_identical_deliveries_act_once(app, world):
    """A retry racing the original (no Idempotency-Key) on a real server: one ticket."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from tests.servers import serve_app

    body = {"text": "no prende el servidor de Vitro, urgente", "session_id": "race-1"}
    with serve_app(app) as base, ThreadPoolExecutor(6) as pool:

        def send(_: int) -> dict:
            resp = httpx.post(f"{base}{URL}", json=body, headers=key_headers(), timeout=60)
            assert resp.status_code == 200, resp.text
            return resp.json()

        answers = list(pool.map(send, range(6)))
    assert len({a["result"]["ticket_id"] for a in answers}) == 1
    assert _count(Ticket) == 1 and _count(WatsonActivity) == 1
