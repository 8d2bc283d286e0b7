from __future__ import annotations

from tests.conftest import assert_problem

OP = {
    "name": "Lupita Garza",
    "email": "Lupita@Example.mx",
    "password": "Contra-Segura-9",
    "role": "operator",
    "phone": "(81) 8123-4567",
    "skills": ["Redes", "hardware"],
    "max_open_tickets": 12,
}


def test_operator_crud_roundtrip(client, staff, admin_h):
    created = client.post("/api/v1/operators/", json=OP, headers=admin_h)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "lupita@example.mx"
    assert body["phone"] == "8181234567"
    assert body["skills"] == ["redes", "hardware"]
    assert "password" not in body and "password_hash" not in body
    oid = body["id"]
    put = client.put(
        f"/api/v1/operators/{oid}",
        json={**OP, "name": "Guadalupe Garza", "password": None},
        headers=admin_h,
    )
    assert put.status_code == 200, put.text
    assert put.json()["name"] == "Guadalupe Garza"
    listed = client.get("/api/v1/operators?skill=redes&role=operator", headers=admin_h).json()
    # Sorted by name: "Guadalupe Garza" before "Óscar Operador" (fixture, also in redes).
    assert [o["id"] for o in listed["items"]] == [oid, staff.operator.id]
    assert client.get(f"/api/v1/operators/{oid}", headers=admin_h).json()["id"] == oid


def test_operator_duplicate_email_is_409_and_nothing_written(client, admin_h):
    assert client.post("/api/v1/operators/", json=OP, headers=admin_h).status_code == 201
    dup = client.post(
        "/api/v1/operators/", json={**OP, "email": "LUPITA@example.mx"}, headers=admin_h
    )
    assert_problem(dup, 409, "email")
    total = client.get("/api/v1/operators/?q=lupita", headers=admin_h).json()["total"]
    assert total == 1


def test_operator_weak_password_and_bad_fields_are_422(client, admin_h):
    weak = client.post("/api/v1/operators/", json={**OP, "password": "corta"}, headers=admin_h)
    assert_problem(weak, 422, "password")
    bad_email = client.post(
        "/api/v1/operators/", json={**OP, "email": "no-es-correo"}, headers=admin_h
    )
    assert_problem(bad_email, 422, "email")
    bad_role = client.post("/api/v1/operators/", json={**OP, "role": "jefe"}, headers=admin_h)
    assert_problem(bad_role, 422, "role")
    extra = client.post("/api/v1/operators/", json={**OP, "salary": 1}, headers=admin_h)
    assert_problem(extra, 422, "salary")
    assert client.get("/api/v1/operators/?q=lupita", headers=admin_h).json()["total"] == 0


CLIENT = {
    "name": "Servicios Regiomontanos S.A. de C.V.",
    "rfc": "SAT970701NN3",
    "contact_name": "Jorge Treviño",
    "email": "jorge@sr.mx",
    "phone": "+52 81 1234 5678",
    "address": "Av. Constitución 100, Monterrey, N.L.",
    "tier": "premium",
}


def test_client_crud_and_rfc_rules(client, op_h, sup_h):
    created = client.post("/api/v1/clients/", json=CLIENT, headers=op_h)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.json()["phone"] == "+528112345678"
    assert_problem(
        client.post("/api/v1/clients/", json={**CLIENT, "rfc": "sat970701nn3"}, headers=op_h),
        409,
        "rfc",
    )
    bad = client.post("/api/v1/clients/", json={**CLIENT, "rfc": "SAT970701NN4"}, headers=op_h)
    body = assert_problem(bad, 422, "rfc")
    assert "check digit" in body["detail"]
    assert_problem(
        client.post("/api/v1/clients/", json={**CLIENT, "rfc": "ABC991332XX1"}, headers=op_h),
        422,
        "rfc",
    )
    patched = client.patch(f"/api/v1/clients/{cid}", json={"tier": "enterprise"}, headers=op_h)
    assert patched.json()["tier"] == "enterprise"
    assert patched.json()["contact_name"] == "Jorge Treviño"
    put = client.put(f"/api/v1/clients/{cid}", json={"name": "Solo Nombre"}, headers=op_h)
    assert put.status_code == 200 and put.json()["rfc"] is None and put.json()["tier"] == "standard"
    found = client.get("/api/v1/clients?q=solo", headers=op_h).json()
    assert found["total"] == 1
    assert client.delete(f"/api/v1/clients/{cid}", headers=sup_h).status_code == 204
    assert_problem(client.get(f"/api/v1/clients/{cid}", headers=op_h), 404)


def test_client_with_tickets_cannot_be_deleted(client, op_h, sup_h):
    cid = client.post("/api/v1/clients/", json={"name": "Con Historia"}, headers=op_h).json()["id"]
    client.post("/api/v1/tickets/", json={"title": "Algo falla", "client_id": cid}, headers=op_h)
    assert_problem(client.delete(f"/api/v1/clients/{cid}", headers=sup_h), 409)


def test_calls_crud_filters_and_reference_checks(client, staff, op_h, sup_h):
    cid = client.post("/api/v1/clients/", json={"name": "Llamadas SA"}, headers=op_h).json()["id"]
    call = {
        "client_id": cid,
        "operator_id": staff.operator.id,
        "direction": "inbound",
        "started_at": "2026-11-20T10:15:00-06:00",
        "duration_s": 240,
        "outcome": "resolved",
        "notes": "Reinicio de módem",
    }
    made = client.post("/api/v1/calls/", json=call, headers=op_h)
    assert made.status_code == 201, made.text
    assert made.json()["started_at"].startswith("2026-11-20T16:15:00")  # stored in UTC
    client.post(
        "/api/v1/calls", json={**call, "direction": "outbound", "outcome": "callback"}, headers=op_h
    )
    inbound = client.get(f"/api/v1/calls/?direction=inbound&client_id={cid}", headers=op_h).json()
    assert inbound["total"] == 1
    window = client.get(
        "/api/v1/calls/",
        params={"started_from": "2026-11-20T16:00:00Z", "started_to": "2026-11-20T17:00:00Z"},
        headers=op_h,
    ).json()
    assert window["total"] == 2
    assert_problem(
        client.post("/api/v1/calls/", json={**call, "client_id": 9999}, headers=op_h),
        422,
        "client_id",
    )
    assert_problem(
        client.post("/api/v1/calls/", json={**call, "duration_s": -1}, headers=op_h),
        422,
        "duration_s",
    )
    assert_problem(
        client.post(
            "/api/v1/calls/", json={**call, "started_at": "2026-11-20T10:15"}, headers=op_h
        ),
        422,
        "started_at",
    )
    assert_problem(
        client.post(
            "/api/v1/calls/", json={**call, "started_at": "2099-01-01T00:00:00Z"}, headers=op_h
        ),
        422,
        "started_at",
    )
    cid2 = made.json()["id"]
    patched = client.patch(f"/api/v1/calls/{cid2}", json={"outcome": "escalated"}, headers=op_h)
    assert patched.json()["outcome"] == "escalated"
    assert_problem(client.delete(f"/api/v1/calls/{cid2}", headers=op_h), 403)
    assert client.delete(f"/api/v1/calls/{cid2}", headers=sup_h).status_code == 204
    assert client.get("/api/v1/calls/", headers=op_h).json()["total"] == 1


def test_unknown_ids_are_404_problem(client, op_h):
    for path in (
        "/api/v1/operators/999",
        "/api/v1/clients/999",
        "/api/v1/calls/999",
        "/api/v1/tickets/999",
        "/api/v1/tickets/999/history",
    ):
        assert_problem(client.get(path, headers=op_h), 404)
    assert_problem(client.get("/api/v1/tickets/abc", headers=op_h), 422, "ticket_id")
