"""The satisfaction survey: signed links, the page, one answer per ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Staff, assert_problem
from tests.factories import make_client, make_ticket
from uanl.core.config import Settings
from uanl.models import Language, Ticket, TicketEvent, utcnow
from uanl.notifications import csat

URL = "/api/v1/csat"


def test_token_roundtrip_and_tampering(settings: Settings) -> None:
    token = csat.make_token(42, settings)
    assert csat.read_token(token, settings).ticket_id == 42
    payload, signature = token.split(".")
    forged = csat.make_token(43, settings).split(".")[0] + "." + signature
    with pytest.raises(csat.NotFound):
        csat.read_token(forged, settings)
    with pytest.raises(csat.MalformedToken):
        csat.read_token(payload, settings)
    expired = csat.make_token(42, settings, expires_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(csat.ExpiredToken):
        csat.read_token(expired, settings)
    other_key = settings.model_copy(update={"secret_key": "x" * 48})
    with pytest.raises(csat.NotFound):
        csat.read_token(token, other_key)


def test_survey_page_form_answer_and_only_once(
    client: TestClient, db: Session, settings: Settings, staff: Staff
) -> None:
    ticket = make_ticket(db, staff.admin.id, make_client(db))
    token = csat.make_token(ticket.id, settings)
    page = client.get(f"{URL}/{token}", params={"score": 4})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "¿Cómo lo atendimos?" in page.text and f"#{ticket.id}" in page.text
    assert 'value="4" required checked' in page.text
    assert "How did we do?" in client.get(f"{URL}/{token}", params={"lang": "en"}).text

    answer = client.post(f"{URL}/{token}", data={"score": "4", "comment": "  Muy rápido  "})
    assert answer.status_code == 200 and "¡Gracias!" in answer.text
    db.expire_all()
    stored = db.get(Ticket, ticket.id)
    assert stored is not None
    assert (stored.csat_score, stored.csat_comment) == (4, "Muy rápido")
    assert stored.csat_submitted_at is not None
    assert db.query(TicketEvent).filter_by(ticket_id=ticket.id, kind="csat").count() == 1
    db.commit()  # end the read transaction before the next request writes

    again = client.post(f"{URL}/{token}", json={"score": 1})
    assert_problem(again, 409)
    assert client.get(f"{URL}/{token}").status_code == 409
    db.expire_all()
    assert db.get(Ticket, ticket.id).csat_score == 4  # type: ignore[union-attr]


def test_json_answer_and_errors(
    client: TestClient, db: Session, settings: Settings, staff: Staff
) -> None:
    ticket = make_ticket(db, staff.admin.id, make_client(db, language=Language.en))
    token = csat.make_token(ticket.id, settings)
    assert "How did we do?" in client.get(f"{URL}/{token}").text  # the client's language
    assert_problem(client.post(f"{URL}/{token}", json={"score": 6}), 422, "score")
    assert_problem(client.post(f"{URL}/{token}", json={"comment": "x"}), 422, "score")
    assert_problem(client.post(f"{URL}/{token}", data={"score": "cinco"}), 422, "score")
    assert_problem(client.post(f"{URL}/{token}", json=[1]), 422, "body")
    resp = client.post(f"{URL}/{token}", json={"score": 5, "comment": "Excelente"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["csat_score"] == 5 and resp.json()["ticket_id"] == ticket.id

    expired = csat.make_token(ticket.id, settings, expires_at=utcnow() - timedelta(days=1))
    assert_problem(client.post(f"{URL}/{expired}", json={"score": 5}), 410)
    assert client.get(f"{URL}/{expired}").status_code == 410
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert_problem(client.post(f"{URL}/{forged}", json={"score": 5}), 404)
    assert client.get(f"{URL}/{forged}").status_code == 404
    assert_problem(client.post(f"{URL}/not-a-token", json={"score": 5}), 400)
    missing = csat.make_token(999999, settings)
    assert_problem(client.post(f"{URL}/{missing}", json={"score": 5}), 404)
