"""Every write lands in the append-only audit_log with who, what, before/after, IP, request id."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import assert_problem
from uanl.audit.listener import MASK
from uanl.core import db as dbmod
from uanl.models import AuditLog, Client

A = "/api/v1/audit"


def _rows(client, admin_h, **params) -> list[dict]:
    resp = client.get(A, params={"limit": 500, **params}, headers=admin_h)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert set(page) >= {"items", "total", "limit", "offset"}
    return page["items"]


def test_client_create_update_delete_are_audited_with_actor_ip_and_request_id(
    client, staff, op_h, sup_h, admin_h
):
    made = client.post(
        "/api/v1/clients/",
        json={"name": "Auditada SA", "tier": "basic"},
        headers={**op_h, "X-Request-ID": "req-create-1"},
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    client.patch(
        f"/api/v1/clients/{cid}",
        json={"tier": "enterprise"},
        headers={**op_h, "X-Request-ID": "req-update-1"},
    )
    assert client.delete(f"/api/v1/clients/{cid}", headers=sup_h).status_code == 204

    rows = _rows(client, admin_h, entity="clients", entity_id=str(cid))
    by_action = {r["action"]: r for r in rows}
    assert set(by_action) == {"create", "update", "delete"}

    created = by_action["create"]
    assert created["actor_id"] == staff.operator.id
    assert created["actor_role"] == "operator"
    assert created["actor_label"] == "operator"
    assert created["ip"] == "testclient"
    assert created["request_id"] == "req-create-1"
    assert created["changes"]["name"] == {"before": None, "after": "Auditada SA"}

    updated = by_action["update"]
    assert updated["changes"]["tier"] == {"before": "basic", "after": "enterprise"}
    assert "updated_at" not in updated["changes"]
    assert updated["request_id"] == "req-update-1"

    deleted = by_action["delete"]
    assert deleted["actor_id"] == staff.supervisor.id
    assert deleted["changes"]["name"] == {"before": "Auditada SA", "after": None}

    # Filters: by actor and by action.
    mine = _rows(client, admin_h, entity="clients", actor_id=staff.supervisor.id)
    assert [r["action"] for r in mine] == ["delete"]
    assert [r["action"] for r in _rows(client, admin_h, entity="clients", action="update")] == [
        "update"
    ]


def test_ticket_create_and_update_record_before_and_after(client, staff, op_h, admin_h):
    cid = client.post("/api/v1/clients/", json={"name": "Cliente T"}, headers=op_h).json()["id"]
    made = client.post(
        "/api/v1/tickets/", json={"title": "Impresora sin tóner", "client_id": cid}, headers=op_h
    )
    assert made.status_code == 201, made.text
    tid = made.json()["id"]
    resp = client.patch(
        f"/api/v1/tickets/{tid}", json={"title": "Impresora atascada"}, headers=op_h
    )
    assert resp.status_code == 200, resp.text
    rows = _rows(client, admin_h, entity="tickets", entity_id=str(tid))
    actions = sorted(r["action"] for r in rows)
    assert actions[0] == "create" and "update" in actions
    change = next(r for r in rows if r["action"] == "update" and "title" in r["changes"])
    assert change["changes"]["title"] == {
        "before": "Impresora sin tóner",
        "after": "Impresora atascada",
    }
    assert change["request_id"] == resp.headers["x-request-id"]
    # Internal bookkeeping is not audited.
    assert _rows(client, admin_h, entity="ticket_events") == []


def test_operator_writes_mask_secrets(client, staff, admin_h):
    body = {
        "name": "Lupita Garza",
        "email": "lupita@example.mx",
        "password": "Contra-Segura-9",
        "role": "operator",
    }
    made = client.post("/api/v1/operators/", json=body, headers=admin_h)
    assert made.status_code == 201, made.text
    oid = made.json()["id"]
    client.patch(f"/api/v1/operators/{oid}", json={"max_open_tickets": 3}, headers=admin_h)
    assert client.delete(f"/api/v1/operators/{oid}", headers=admin_h).status_code == 204
    rows = _rows(client, admin_h, entity="operators", entity_id=str(oid))
    assert {r["action"] for r in rows} >= {"create", "update"}
    created = next(r for r in rows if r["action"] == "create")
    assert created["changes"]["password_hash"]["after"] == MASK
    assert created["actor_id"] == staff.admin.id
    assert "Contra-Segura-9" not in str(rows)
    assert any(r["changes"].get("is_active") == {"before": True, "after": False} for r in rows)


def test_writes_outside_a_request_are_by_system(client, staff, admin_h):
    with dbmod.session_scope() as db:
        db.add(Client(name="Desde el worker"))
    rows = _rows(client, admin_h, entity="clients", action="create")
    assert rows and rows[0]["actor_label"] == "system"
    assert rows[0]["actor_id"] is None and rows[0]["ip"] is None


def test_login_is_attributed_to_the_operator(client, staff, admin_h):
    from tests.conftest import PASSWORD

    # A failed attempt writes the failure counter: anonymous actor, committed anyway.
    bad = client.post("/api/v1/auth/token", data={"username": "oper@example.mx", "password": "x"})
    assert_problem(bad, 401)
    rows = _rows(client, admin_h, entity="operators", entity_id=str(staff.operator.id))
    failed = [r for r in rows if "failed_login_count" in r["changes"]]
    assert failed and failed[0]["actor_label"] == "anonymous"
    ok = client.post(
        "/api/v1/auth/token", data={"username": "oper@example.mx", "password": PASSWORD}
    )
    assert ok.status_code == 200, ok.text
    rows = _rows(client, admin_h, entity="operators", entity_id=str(staff.operator.id))
    reset = rows[0]
    assert reset["changes"]["failed_login_count"] == {"before": 1, "after": 0}
    assert reset["actor_id"] == staff.operator.id


def test_audit_endpoint_is_admin_only(client, sup_h, op_h):
    assert_problem(client.get(A, headers=sup_h), 403)
    assert_problem(client.get(A, headers=op_h), 403)
    assert_problem(client.get(f"{A}/security-events", headers=sup_h), 403)
    assert_problem(client.get(A), 401)


def test_audit_time_filters(client, staff, op_h, admin_h):
    client.post("/api/v1/clients/", json={"name": "En rango"}, headers=op_h)
    assert _rows(client, admin_h, entity="clients", **{"from": "2000-01-01T00:00:00Z"})
    assert _rows(client, admin_h, entity="clients", to="2000-01-01T00:00:00Z") == []
    assert_problem(client.get(A, params={"action": "erase"}, headers=admin_h), 422)


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_audit_log_is_append_only_in_the_database(client, staff, op_h, statement):
    client.post("/api/v1/clients/", json={"name": "Inmutable"}, headers=op_h)
    with dbmod.session_scope() as db:
        assert db.scalar(select(AuditLog.id).limit(1)) is not None
    with pytest.raises(DBAPIError, match="append-only"):
        with dbmod.get_engine().begin() as conn:
            conn.execute(text(statement))
    with dbmod.session_scope() as db:
        assert all(row.action != "x" for row in db.scalars(select(AuditLog)))
