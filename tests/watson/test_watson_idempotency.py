"""The webhook's retries (issue 12, item 5): one delivery acts once, a reused key is refused.

- the same `Idempotency-Key` with a different body is 422 `idempotency-mismatch`, as on
  `POST /tickets`, instead of silently replaying the first answer;
- a delivery with neither session nor key, but with a message id in the payload, is
  recognised when it comes again: the same answer, no second ticket;
- a NUL character anywhere in the body is a 422 naming the field, on both backends.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import assert_problem
from tests.watson.watson_fixtures import key_headers, world, wsettings
from uanl.core import db as dbmod
from uanl.models import Ticket, WatsonActivity

__all__ = ["wsettings", "world"]
URL = "/api/v1/watson/webhook"
MISMATCH = "https://uanl-service-desk.dev/problems/idempotency-mismatch"


def _count(model) -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _assistant(text: str, **payload_extra) -> dict:
    """Watson Assistant's pre-message shape with no session id and no user id."""
    return {
        "event": {"name": "message_received"},
        "payload": {"input": {"text": text, "message_type": "text"}, **payload_extra},
    }


def test_same_key_different_body_is_422_mismatch(client, world):
    headers = key_headers(**{"Idempotency-Key": "delivery-7"})
    first = client.post(
        URL, json={"text": "no jala la impresora", "session_id": "k1"}, headers=headers
    )
    assert first.status_code == 200, first.text
    other = client.post(
        URL, json={"text": "se cayó el internet en la oficina", "session_id": "k1"}, headers=headers
    )
    problem = assert_problem(other, 422)
    assert problem["type"] == MISMATCH and problem["title"] == "Idempotency key reused"
    assert "Idempotency-Key" in problem["detail"]
    # The first delivery, sent again, still gets its own answer back.
    again = client.post(
        URL, json={"text": "no jala la impresora", "session_id": "k1"}, headers=headers
    )
    assert again.status_code == 200 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert _count(Ticket) == 1 and _count(WatsonActivity) == 1


def test_same_key_other_shape_is_a_mismatch_too(client, world):
    headers = key_headers(**{"Idempotency-Key": "delivery-8"})
    first = client.post(URL, json={"text": "no jala la impresora"}, headers=headers)
    assert first.status_code == 200, first.text
    other = client.post(URL, json=_assistant("no jala la impresora"), headers=headers)
    assert assert_problem(other, 422)["type"] == MISMATCH
    assert _count(Ticket) == 1


def test_orchestrate_redelivery_without_session_or_key_acts_once(client, world):
    body = {"text": "no prende el servidor de Vitro, urgente", "message_id": "msg-41"}
    first = client.post(URL, json=body, headers=key_headers())
    again = client.post(URL, json=body, headers=key_headers())
    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["action"] == "ticket_created"
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert _count(Ticket) == 1 and _count(WatsonActivity) == 1
    # Another message id is another message, even with the same words.
    third = client.post(URL, json={**body, "message_id": "msg-42"}, headers=key_headers())
    assert third.status_code == 200 and "idempotent-replayed" not in third.headers
    assert third.json()["result"]["ticket_id"] != first.json()["result"]["ticket_id"]
    assert _count(Ticket) == 2


def test_assistant_redelivery_without_session_or_key_acts_once(client, world):
    body = _assistant("no funciona el wifi del piso 3", message_id="wa-msg-9")
    first = client.post(URL, json=body, headers=key_headers())
    again = client.post(URL, json=body, headers=key_headers())
    assert first.status_code == again.status_code == 200, again.text
    uanl = first.json()["payload"]["context"]["skills"]["main skill"]["user_defined"]["uanl"]
    assert uanl["action"] == "ticket_created"
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert _count(Ticket) == 1 and _count(WatsonActivity) == 1


def test_same_message_id_with_other_text_is_422_mismatch(client, world):
    body = {"text": "no jala la impresora", "message_id": "msg-77"}
    assert client.post(URL, json=body, headers=key_headers()).status_code == 200
    other = client.post(URL, json={**body, "text": "se cayó el internet"}, headers=key_headers())
    assert assert_problem(other, 422)["type"] == MISMATCH
    assert _count(Ticket) == 1


def test_nul_in_webhook_text_is_422_naming_the_field(client, world):
    resp = client.post(
        URL, json={"text": "no jala\u0000", "session_id": "n1"}, headers=key_headers()
    )
    assert_problem(resp, 422, "text")
    resp = client.post(URL, json=_assistant("wifi\u0000 caído"), headers=key_headers())
    assert_problem(resp, 422, "payload.input.text")
    resp = client.post(
        URL, json={"text": "hola", "user": {"name": "Lu\u0000is"}}, headers=key_headers()
    )
    assert_problem(resp, 422, "user.name")
    assert _count(WatsonActivity) == 0 and _count(Ticket) == 0


def test_nul_in_a_tool_body_is_422_naming_the_field(client, world):
    resp = client.post(
        "/api/v1/watson/tools/tickets",
        json={"text": "no hay red en la sucursal", "title": "Sin\u0000red"},
        headers=key_headers(),
    )
    assert_problem(resp, 422, "title")
    assert _count(Ticket) == 0


def test_simultaneous_redeliveries_of_one_message_act_once(app, world):
    """No session, no key, one message id, six copies at once on a real server: one ticket."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from tests.servers import serve_app

    body = {"text": "no prende el servidor de Vitro, urgente", "message_id": "race-msg-1"}
    with serve_app(app) as base, ThreadPoolExecutor(6) as pool:

        def send(_: int) -> httpx.Response:
            return httpx.post(f"{base}{URL}", json=body, headers=key_headers(), timeout=60)

        answers = list(pool.map(send, range(6)))
    # The copies wait for the first (a lock per key) and then replay its answer.
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert len({a.json()["result"]["ticket_id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 5
    assert _count(Ticket) == 1 and _count(WatsonActivity) == 1


def test_chat_message_id_identifies_the_delivery(client, world):
    def chat(text: str) -> dict:
        return {"messages": [{"role": "user", "id": "chat-msg-3", "content": text}]}

    first = client.post(URL, json=chat("no jala la impresora"), headers=key_headers())
    again = client.post(URL, json=chat("no jala la impresora"), headers=key_headers())
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["uanl"] == first.json()["uanl"]
    other = client.post(URL, json=chat("se cayó el internet"), headers=key_headers())
    assert assert_problem(other, 422)["type"] == MISMATCH
    assert _count(Ticket) == 1
