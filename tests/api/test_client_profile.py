"""GET /api/v1/clients/{id}/csat: a client's CSAT answers, average and distribution."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Ticket, utcnow


def _client(client, headers, name: str) -> int:
    resp = client.post("/api/v1/clients/", json={"name": name}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _ticket(client, headers, client_id: int, title: str) -> int:
    body = {"title": title, "client_id": client_id}
    resp = client.post("/api/v1/tickets/", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _answer(ticket_id: int, score: int, comment: str | None, hours_ago: int) -> None:
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                csat_score=score,
                csat_comment=comment,
                csat_submitted_at=utcnow() - timedelta(hours=hours_ago),
            )
        )


def test_client_csat_counts_only_that_clients_answers(client, op_h):
    acme = _client(client, op_h, "Acme del Norte")
    other = _client(client, op_h, "Otra Empresa")
    t1 = _ticket(client, op_h, acme, "Impresora")
    t2 = _ticket(client, op_h, acme, "Red lenta")
    _ticket(client, op_h, acme, "Sin respuesta")  # no CSAT answer: not counted
    t4 = _ticket(client, op_h, other, "Otro cliente")
    _answer(t1, 5, "Excelente", hours_ago=3)
    _answer(t2, 2, None, hours_ago=1)
    _answer(t4, 1, "Malo", hours_ago=2)

    resp = client.get(f"/api/v1/clients/{acme}/csat", headers=op_h)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["client_id"] == acme
    assert body["responses"] == 2
    assert body["average"] == 3.5
    assert body["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert [(a["ticket_id"], a["score"], a["comment"]) for a in body["answers"]] == [
        (t2, 2, None),
        (t1, 5, "Excelente"),
    ]
    assert body["answers"][1]["title"] == "Impresora"

    paged = client.get(f"/api/v1/clients/{acme}/csat?limit=1&offset=1", headers=op_h).json()
    assert [a["ticket_id"] for a in paged["answers"]] == [t1]
    assert paged["responses"] == 2  # the figures cover every answer, not the page


def test_client_without_answers_has_no_average(client, op_h):
    cid = _client(client, op_h, "Nueva SA")
    body = client.get(f"/api/v1/clients/{cid}/csat", headers=op_h).json()
    assert body["responses"] == 0
    assert body["average"] is None
    assert body["answers"] == []
    assert set(body["distribution"].values()) == {0}


def test_client_csat_errors_are_problems(client, op_h):
    cid = _client(client, op_h, "Acme")
    assert_problem(client.get("/api/v1/clients/999999/csat", headers=op_h), 404)
    assert_problem(client.get("/api/v1/clients/0/csat", headers=op_h), 422, "client_id")
    bad = client.get(f"/api/v1/clients/{cid}/csat?limit=0", headers=op_h)
    assert_problem(bad, 422, "limit")
    assert_problem(client.get(f"/api/v1/clients/{cid}/csat"), 401)
