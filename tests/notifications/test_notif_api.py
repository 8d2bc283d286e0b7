"""GET/POST /api/v1/notifications and POST /{id}/retry."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Staff, assert_problem
from tests.factories import make_client, make_ticket
from tests.notifications.fakes import SmtpServer
from tests.notifications.helpers import deliver_pending, rows
from uanl.core.config import Settings
from uanl.models import NotificationStatus

URL = "/api/v1/notifications"


def test_list_filters_and_pagination(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    staff: Staff,
    admin_h: dict[str, str],
    op_h: dict[str, str],
) -> None:
    customer = make_client(db)
    first = make_ticket(db, staff.admin.id, customer)
    make_ticket(db, staff.admin.id, customer, title="Red caída")
    smtp.answer_data("550 5.7.1 Rejected")
    deliver_pending(db)
    page = client.get(URL, headers=admin_h).json()
    assert page["total"] == 2 and page["limit"] == 50
    # Both rows are the client's: an operator sees neither (test_notif_visibility.py).
    assert client.get(URL, headers=op_h).json()["total"] == 0
    assert [n["ticket_id"] for n in page["items"]] != [None, None]
    failed = client.get(URL, params={"status": "failed"}, headers=admin_h).json()
    assert failed["total"] == 1 and failed["items"][0]["last_error"] == "SMTP 550 5.7.1 Rejected"
    both = client.get(URL, params=[("status", "failed"), ("status", "sent")], headers=admin_h)
    assert both.json()["total"] == 2
    by_ticket = client.get(URL, params={"ticket_id": first.id}, headers=admin_h).json()
    assert by_ticket["total"] == 1 and by_ticket["items"][0]["event"] == "ticket.created"
    # Recipients are encrypted at rest: the filter is an exact (case-insensitive) match.
    by_to = client.get(URL, params={"recipient": " ANA@cliente.MX"}, headers=admin_h).json()
    assert by_to["total"] == 2
    assert client.get(URL, params={"recipient": "ANA@"}, headers=admin_h).json()["total"] == 0
    assert client.get(URL, params={"channel": "slack"}, headers=admin_h).json()["total"] == 0
    assert client.get(URL, params={"event": "ticket.created"}, headers=admin_h).json()["total"] == 2
    one = client.get(URL, params={"limit": 1, "offset": 1, "sort": "id"}, headers=admin_h).json()
    assert one["total"] == 2 and len(one["items"]) == 1
    assert one["items"][0]["id"] == max(n.id for n in rows(db))
    sent = client.get(URL, params={"status": "sent"}, headers=admin_h).json()["items"][0]
    assert sent["delivery_note"].startswith("smtp ") and sent["sent_at"]
    assert client.get(f"{URL}/{sent['id']}", headers=admin_h).json()["id"] == sent["id"]
    assert_problem(client.get(f"{URL}/{sent['id']}", headers=op_h), 404)
    assert_problem(client.get(f"{URL}/999999", headers=op_h), 404)
    assert_problem(client.get(URL, params={"status": "lost"}, headers=op_h), 422, "status")
    assert_problem(client.get(URL, params={"sort": "body"}, headers=op_h), 422, "sort")


def test_adhoc_message_validation(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    staff: Staff,
    op_h: dict[str, str],
) -> None:
    customer = make_client(db, email=None)
    bad = [
        ({"body": "Hola"}, "to_address"),
        ({"body": "Hola", "to_client_id": customer.id, "to_address": "a@b.mx"}, "to_address"),
        ({"body": "Hola", "to_client_id": customer.id}, "to_client_id"),  # no e-mail on file
        ({"body": "Hola", "to_client_id": 99999}, "to_client_id"),
        ({"body": "Hola", "to_operator_id": 99999}, "to_operator_id"),
        ({"body": "Hola", "to_address": "no-es-correo"}, "to_address"),
        ({"body": "Hola", "channel": "sms", "to_address": "12"}, "to_address"),
        ({"body": "Hola", "channel": "slack", "to_address": "http://x"}, "to_address"),
        ({"body": "Hola", "to_address": "a@b.mx", "ticket_id": 99999}, "ticket_id"),
        ({"body": "", "to_address": "a@b.mx"}, "body"),
        ({"body": "Hola", "to_address": "a@b.mx", "cc": "x"}, "cc"),
        ({"body": "Hola", "channel": "fax", "to_address": "a@b.mx"}, "channel"),
    ]
    for payload, field in bad:
        assert_problem(client.post(URL, json=payload, headers=op_h), 422, field)
    assert rows(db) == []


def test_adhoc_message_to_client_operator_address_and_channels(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    hooks: dict,
    staff: Staff,
    op_h: dict[str, str],
) -> None:
    customer = make_client(db, language="en")
    ticket = make_ticket(db, staff.admin.id, customer)
    deliver_pending(db)
    payloads = [
        {
            "to_client_id": customer.id,
            "body": "Your technician arrives at 10.",
            "ticket_id": ticket.id,
        },
        {"to_operator_id": staff.operator2.id, "subject": "Apoyo", "body": "¿Me ayudas?"},
        {"to_address": "Externo@Proveedor.MX", "body": "Cotización"},
        {"channel": "sms", "to_client_id": customer.id, "body": "Llegamos 10:00"},
        {"channel": "slack", "body": "Mantenimiento hoy 22:00"},
        {"channel": "teams", "body": "Mantenimiento hoy 22:00"},
    ]
    created = []
    for payload in payloads:
        resp = client.post(URL, json=payload, headers=op_h)
        assert resp.status_code == 201, resp.text
        created.append(resp.json())
    assert [(c["channel"], c["recipient"], c["language"]) for c in created] == [
        ("email", "ana@cliente.mx", "en"),
        ("email", "oper2@example.mx", "es"),
        ("email", "Externo@proveedor.mx", "es"),
        ("sms", "+528112345678", "en"),
        ("slack", "slack-webhook", "es"),
        ("teams", "teams-webhook", "es"),
    ]
    assert created[0]["subject"] == f"[Ticket #{ticket.id}] Message from the Service Desk"
    assert created[1]["subject"] == "Apoyo"
    assert all(c["status"] == "pending" and c["event"] == "adhoc" for c in created)
    assert set(deliver_pending(db).values()) == {"sent"}
    assert len(smtp.messages) == 1 + 3
    assert hooks["twilio"].requests[0].form()["Body"] == "Llegamos 10:00"
    assert "Mantenimiento" in hooks["slack"].requests[0].json()["text"]
    assert len(hooks["teams"].requests) == 1


def test_adhoc_idempotency_key(
    client: TestClient, db: Session, notif_settings: Settings, staff: Staff, op_h: dict[str, str]
) -> None:
    headers = {**op_h, "Idempotency-Key": "msg-1"}
    payload = {"to_address": "a@b.mx", "body": "Hola"}
    first = client.post(URL, json=payload, headers=headers)
    again = client.post(URL, json=payload, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and len(rows(db)) == 1


def test_retry_only_failed_by_supervisors(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    staff: Staff,
    sup_h: dict[str, str],
    op_h: dict[str, str],
) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db)
    assert_problem(client.post(f"{URL}/{row.id}/retry", headers=sup_h), 409)
    smtp.answer_data("554 5.7.1 Spam detected")
    deliver_pending(db)
    # Not addressed to the operator: they do not even see it (a 404, not a 403).
    assert_problem(client.post(f"{URL}/{row.id}/retry", headers=op_h), 404)
    resp = client.post(f"{URL}/{row.id}/retry", headers=sup_h)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "pending" and body["attempts"] == 0 and body["last_error"] is None
    [row] = rows(db)
    assert row.context["retries"][0]["previous_error"] == "SMTP 554 5.7.1 Spam detected"
    assert deliver_pending(db) == {row.id: "sent"}
    assert rows(db)[0].status == NotificationStatus.sent and len(smtp.messages) == 1
    assert_problem(client.post(f"{URL}/999999/retry", headers=sup_h), 404)


def test_webhook_url_is_not_shown(
    client: TestClient, db: Session, notif_settings: Settings, admin_h: dict[str, str]
) -> None:
    from uanl.models import NotificationChannel
    from uanl.notifications.creation import create_notification

    create_notification(
        db,
        channel=NotificationChannel.slack,
        event="adhoc",
        recipient="https://hooks.slack.com/services/T1/B2/SECRET",
        template="adhoc",
        context={
            "subject": None,
            "body": "x",
            "ticket_id": None,
            "ticket_url": None,
            "sender_name": None,
        },
    )
    db.commit()
    item = client.get(URL, headers=admin_h).json()["items"][0]
    assert item["recipient"] == "https://hooks.slack.com/…"
