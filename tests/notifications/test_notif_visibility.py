"""Who sees what (issue 12, item 4): notification listings, the CSAT answer, report links.

An operator sees only the notifications addressed to them; supervisors and admins see all
of them with survey links and signed download links redacted; the survey answer refuses
staff credentials and the ticket's own assignee; signed report links are checked for their
signature, expiry, report and file.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Staff, assert_problem, auth_header
from tests.factories import make_client, make_ticket
from tests.notifications.helpers import rows
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import Call, CallDirection, CallOutcome, Operator, Report, Ticket, TicketState
from uanl.notifications import csat
from uanl.notifications.visibility import REDACTED
from uanl.reports import jobs
from uanl.reports.storage import get_storage
from uanl.tickets import service as tickets
from uanl.tickets.schemas import TicketUpdate

URL = "/api/v1/notifications"
CSAT = "/api/v1/csat"


def _resolved_by_assignee(db: Session, staff: Staff) -> Ticket:
    """The admin assigns a ticket of a client with an e-mail to `staff.operator`, who then
    resolves it through the API: the client's ticket.resolved row carries the survey link."""
    customer = make_client(db)
    ticket = make_ticket(db, staff.admin.id, customer)
    admin = db.get(Operator, staff.admin.id)
    assert admin is not None
    tickets.update_ticket(db, ticket, TicketUpdate(assignee_id=staff.operator.id), admin)
    db.commit()
    return ticket


def _resolve(client: TestClient, staff: Staff, ticket_id: int) -> None:
    resp = client.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={"state": TicketState.resolved.value},
        headers=auth_header(staff.operator),
    )
    assert resp.status_code == 200, resp.text


def _token_of(url: str) -> str:
    return url.rsplit("/csat/", 1)[1]


def test_operator_sees_only_own_notifications_supervisor_sees_links_redacted(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    ticket = _resolved_by_assignee(db, staff)
    _resolve(client, staff, ticket.id)
    [resolved] = rows(db, event="ticket.resolved")
    [assigned] = rows(db, event="ticket.assigned")
    csat_url = resolved.context["csat_url"]
    token = _token_of(csat_url)
    assert token in (resolved.body or "")  # the client's e-mail does carry the link

    op_h = auth_header(staff.operator)
    mine = client.get(URL, headers=op_h).json()
    assert [n["id"] for n in mine["items"]] == [assigned.id] and mine["total"] == 1
    assert mine["items"][0]["recipient_operator_id"] == staff.operator.id
    by_ticket = client.get(URL, params={"ticket_id": ticket.id}, headers=op_h).json()
    assert [n["id"] for n in by_ticket["items"]] == [assigned.id]
    assert_problem(client.get(f"{URL}/{resolved.id}", headers=op_h), 404)
    assert client.get(f"{URL}/{assigned.id}", headers=op_h).json()["id"] == assigned.id
    # Another operator sees neither.
    assert client.get(URL, headers=auth_header(staff.operator2)).json()["total"] == 0
    assert_problem(client.get(f"{URL}/{assigned.id}", headers=auth_header(staff.operator2)), 404)
    # Retry is for supervisors: an operator probing someone else's row gets the same 404.
    assert_problem(client.post(f"{URL}/{resolved.id}/retry", headers=op_h), 404)
    assert_problem(client.post(f"{URL}/{assigned.id}/retry", headers=op_h), 403)  # own row

    for who in (staff.supervisor, staff.admin):
        headers = auth_header(who)
        listed = client.get(URL, params={"event": "ticket.resolved"}, headers=headers).json()
        [item] = listed["items"]
        single = client.get(f"{URL}/{resolved.id}", headers=headers).json()
        for shown in (item, single):
            assert shown["id"] == resolved.id and shown["recipient"] == "ana@cliente.mx"
            assert token not in shown["body"] and "/csat/" not in shown["body"]
            assert REDACTED in shown["body"]
            assert token not in str(shown)
        assert client.get(URL, headers=headers).json()["total"] == 3  # created, assigned, resolved


def test_csat_answer_refuses_staff_credentials_and_accepts_the_clients_link_once(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    ticket = _resolved_by_assignee(db, staff)
    _resolve(client, staff, ticket.id)
    [resolved] = rows(db, event="ticket.resolved")
    token = _token_of(resolved.context["csat_url"])  # read straight from the database row

    for who in (staff.operator, staff.operator2, staff.supervisor, staff.admin):
        resp = client.post(f"{CSAT}/{token}", json={"score": 5}, headers=auth_header(who))
        assert_problem(resp, 403)
        form = client.post(f"{CSAT}/{token}", data={"score": "5"}, headers=auth_header(who))
        assert_problem(form, 403)
    # A bearer that does not verify is refused as well: the survey takes no staff header.
    bad = client.post(
        f"{CSAT}/{token}", json={"score": 5}, headers={"Authorization": "Bearer expired.x.y"}
    )
    assert_problem(bad, 403)
    db.expire_all()
    stored = db.get(Ticket, ticket.id)
    assert stored is not None and stored.csat_submitted_at is None
    db.commit()

    ok = client.post(f"{CSAT}/{token}", json={"score": 3, "comment": "Bien"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["csat_score"] == 3 and ok.json()["ticket_id"] == ticket.id
    assert_problem(client.post(f"{CSAT}/{token}", json={"score": 5}), 409)
    db.expire_all()
    stored = db.get(Ticket, ticket.id)
    assert stored is not None and stored.csat_score == 3
    db.commit()


def test_the_survey_link_is_bound_to_its_recipient(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    ticket = _resolved_by_assignee(db, staff)
    _resolve(client, staff, ticket.id)
    [resolved] = rows(db, event="ticket.resolved")
    token = _token_of(resolved.context["csat_url"])
    assert csat.read_token(token, notif_settings).recipient is not None
    other = csat.make_token(ticket.id, notif_settings, recipient="otra@persona.mx")
    assert_problem(client.post(f"{CSAT}/{other}", json={"score": 5}), 404)
    assert client.get(f"{CSAT}/{other}").status_code == 404
    # The ticket's contact changes: the link sent to the old address no longer answers.
    moved = make_client(db, name="Otra", email="nuevo@cliente.mx")
    with dbmod.session_scope() as s:
        stored = s.get(Ticket, ticket.id)
        assert stored is not None
        stored.client_id = moved.id
    assert_problem(client.post(f"{CSAT}/{token}", json={"score": 5}), 404)
    fresh = csat.make_token(ticket.id, notif_settings, recipient="NUEVO@cliente.mx ")
    assert client.post(f"{CSAT}/{fresh}", json={"score": 4}).status_code == 200


def test_an_assignee_who_is_the_requester_gets_no_survey_and_cannot_answer(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    """The operator files the ticket with their own address as the requester's."""
    ticket = make_ticket(
        db, staff.operator.id, None, requester_name="Yo", requester_email="OPER@example.mx"
    )
    admin = db.get(Operator, staff.admin.id)
    assert admin is not None
    tickets.update_ticket(db, ticket, TicketUpdate(assignee_id=staff.operator.id), admin)
    db.commit()
    _resolve(client, staff, ticket.id)
    [resolved] = rows(db, event="ticket.resolved")
    assert resolved.context.get("csat_url") is None
    assert "/csat/" not in (resolved.body or "")
    # Even a well-signed link (for that address, or an older unbound one) is refused.
    for token in (
        csat.make_token(ticket.id, notif_settings, recipient="oper@example.mx"),
        csat.make_token(ticket.id, notif_settings),
    ):
        assert_problem(client.post(f"{CSAT}/{token}", json={"score": 5}), 403)
        assert client.get(f"{CSAT}/{token}").status_code == 403
    db.expire_all()
    stored = db.get(Ticket, ticket.id)
    assert stored is not None and stored.csat_score is None
    db.commit()


# --------------------------------------------------------------------------- report links


def _report_emailed_to(staff: Staff, address: str) -> int:
    with dbmod.session_scope() as db:
        db.add(
            Call(
                direction=CallDirection.inbound,
                outcome=CallOutcome.resolved,
                started_at=datetime(2026, 11, 3, 15, tzinfo=UTC),
                duration_s=100,
            )
        )
    with dbmod.session_scope() as db:
        report = jobs.create_job(
            db,
            report="custom",
            format="csv",
            params={"dataset": "calls", "columns": ["id", "duration_s"], "sort": ["id"]},
            requested_by_id=staff.supervisor.id,
            email_to=[address],
        )
        report_id = report.id
    assert jobs.run_job(report_id) == "done"
    return report_id


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_signed_report_links_are_hidden_from_listings_and_verified(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    report_id = _report_emailed_to(staff, "bi@example.mx")
    [mailed] = [n for n in rows(db, report_id=report_id) if n.recipient == "bi@example.mx"]
    link = mailed.context["report_url"]
    assert "token=" in link and link in (mailed.body or "")
    token = link.split("token=", 1)[1]
    download = f"/api/v1/reports/jobs/{report_id}/download"

    # Operators (not the job's owner) never see it; managers see it redacted.
    assert client.get(URL, headers=auth_header(staff.operator)).json()["total"] == 0
    assert_problem(client.get(f"{URL}/{mailed.id}", headers=auth_header(staff.operator)), 404)
    for who in (staff.supervisor, staff.admin):
        listed = client.get(URL, params={"report_id": report_id}, headers=auth_header(who))
        bodies = [n["body"] for n in listed.json()["items"]]
        assert len(bodies) == 2  # the requester's report.ready and the schedule's e-mail
        assert all(token not in b and "token=" not in b for b in bodies)
        assert any(REDACTED in b for b in bodies)
        single = client.get(f"{URL}/{mailed.id}", headers=auth_header(who)).json()
        assert token not in single["body"] and REDACTED in single["body"]

    # The link works on its own; staff credentials with it go through the owner check.
    assert client.get(download, params={"token": token}).status_code == 200
    resp = client.get(download, params={"token": token}, headers=auth_header(staff.operator))
    assert_problem(resp, 403)

    rid, expires, sig = (
        base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(".")
    )
    later = str(int(expires) + 86400)
    for forged in (
        _b64(f"{rid}.{later}.{sig}"),  # a longer life, same signature
        _b64(f"{rid}.{expires}.{sig[:-1]}{'0' if sig[-1] != '0' else '1'}"),
        _b64(f"{rid}.{expires}.{sig[:-2]}é"),  # non-ASCII signature: was a 500
        _b64(f"{rid}.{expires}"),
        "%%%",
        token + "A",
    ):
        assert_problem(client.get(download, params={"token": forged}), 403)
    assert_problem(client.get(download, params={"token": "x" * 600}), 422, "token")

    # Bound to the file: the same report id pointing at another file refuses the old link.
    storage = get_storage()
    with dbmod.session_scope() as s:
        report = s.get(Report, report_id)
        assert report is not None
        other_key = report.file_path + ".other"
        with storage.open_write(other_key) as fh:
            fh.write(b"another file")
        original = report.file_path
        report.file_path = other_key
    assert_problem(client.get(download, params={"token": token}), 403)
    with dbmod.session_scope() as s:
        report = s.get(Report, report_id)
        assert report is not None
        report.file_path = original
    assert client.get(download, params={"token": token}).status_code == 200

    # Expired: a token minted for a time already past is refused even if well signed.
    with dbmod.session_scope() as s:
        report = s.get(Report, report_id)
        assert report is not None
        report.expires_at = datetime.now(UTC) - timedelta(seconds=5)
        stale = jobs.download_token(report)
    assert_problem(client.get(download, params={"token": stale}), 403)


def test_links_pasted_into_an_adhoc_message_are_redacted_too(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff
) -> None:
    survey = "https://mesa.example.mx/api/v1/csat/MS4yLjM.abcdefghijklmnopqrstuv?score=5"
    report = "https://mesa.example.mx/api/v1/reports/jobs/3/download?token=MS4yLjNhYmM"
    body = f"Califique aquí: {survey}\nDescargue: {report}\nGracias."
    sup_h = auth_header(staff.supervisor)
    sent = client.post(URL, json={"to_address": "x@cliente.mx", "body": body}, headers=sup_h)
    assert sent.status_code == 201, sent.text
    for shown in (sent.json(), client.get(f"{URL}/{sent.json()['id']}", headers=sup_h).json()):
        assert (
            shown["body"].strip() == f"Califique aquí: {REDACTED}\nDescargue: {REDACTED}\nGracias."
        )
    [row] = rows(db, event="adhoc")
    assert survey in (row.body or "") and report in (row.body or "")  # the e-mail keeps them
