from __future__ import annotations

from tests.conftest import assert_problem

NEW_OP = {
    "name": "Nuevo",
    "email": "nuevo@example.mx",
    "password": "Muy-Segura-123",
    "role": "operator",
}


def test_only_admin_creates_operators(client, admin_h, sup_h, op_h):
    assert_problem(client.post("/api/v1/operators/", json=NEW_OP, headers=op_h), 403)
    assert_problem(client.post("/api/v1/operators/", json=NEW_OP, headers=sup_h), 403)
    resp = client.post("/api/v1/operators/", json=NEW_OP, headers=admin_h)
    assert resp.status_code == 201, resp.text


def test_operator_edits_only_own_allowed_fields(client, staff, op_h):
    me = f"/api/v1/operators/{staff.operator.id}"
    ok = client.patch(me, json={"is_available": False, "phone": "+52 81 1234 5678"}, headers=op_h)
    assert ok.status_code == 200, ok.text
    assert ok.json()["phone"] == "+528112345678"
    assert_problem(client.patch(me, json={"role": "admin"}, headers=op_h), 403)
    assert_problem(client.patch(me, json={"max_open_tickets": 99}, headers=op_h), 403)
    other = f"/api/v1/operators/{staff.operator2.id}"
    assert_problem(client.patch(other, json={"is_available": False}, headers=op_h), 403)


def test_operator_cannot_delete_clients_or_calls_but_supervisor_can(client, op_h, sup_h):
    c = client.post("/api/v1/clients/", json={"name": "Borrable SA"}, headers=op_h).json()
    assert_problem(client.delete(f"/api/v1/clients/{c['id']}", headers=op_h), 403)
    assert client.delete(f"/api/v1/clients/{c['id']}", headers=sup_h).status_code == 204


def test_operator_cannot_touch_a_ticket_assigned_to_someone_else(client, staff, sup_h, op_h):
    t = client.post(
        "/api/v1/tickets/",
        json={"title": "Ajeno", "assignee_id": staff.operator2.id},
        headers=sup_h,
    ).json()
    assert_problem(
        client.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "high"}, headers=op_h), 403
    )
    assert_problem(
        client.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "x"}, headers=op_h), 403
    )
    # ...but can take an unassigned one, and only for themselves.
    u = client.post("/api/v1/tickets/", json={"title": "Libre"}, headers=sup_h).json()
    assert_problem(
        client.patch(
            f"/api/v1/tickets/{u['id']}", json={"assignee_id": staff.operator2.id}, headers=op_h
        ),
        403,
    )
    mine = client.patch(
        f"/api/v1/tickets/{u['id']}", json={"assignee_id": staff.operator.id}, headers=op_h
    )
    assert mine.status_code == 200 and mine.json()["assignee_id"] == staff.operator.id


def test_last_admin_cannot_demote_self(client, staff, admin_h):
    resp = client.patch(
        f"/api/v1/operators/{staff.admin.id}", json={"role": "operator"}, headers=admin_h
    )
    assert_problem(resp, 409)
