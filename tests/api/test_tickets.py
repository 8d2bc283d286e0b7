from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Ticket

T = "/api/v1/tickets/"


def make(client, headers, **body):
    body.setdefault("title", "Sin internet en sucursal")
    resp = client.post(T, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_create_returns_full_body_and_both_paths_work(client, staff, op_h):
    cid = client.post("/api/v1/clients/", json={"name": "Cliente SA"}, headers=op_h).json()["id"]
    t = make(
        client,
        op_h,
        description="El módem parpadea",
        priority="high",
        category="Redes",
        client_id=cid,
        tags=["VIP", "sucursal"],
        source="phone",
    )
    for key in (
        "id",
        "title",
        "description",
        "priority",
        "state",
        "category",
        "client_id",
        "assignee_id",
        "source",
        "created_at",
        "updated_at",
    ):
        assert key in t
    assert t["state"] == "new" and t["priority"] == "high" and t["category"] == "redes"
    assert t["tags"] == ["sucursal", "vip"]
    assert t["created_by_id"] == staff.operator.id
    no_slash = client.post("/api/v1/tickets", json={"title": "Sin barra"}, headers=op_h)
    assert no_slash.status_code == 201
    got = client.get(f"/api/v1/tickets/{t['id']}", headers=op_h).json()
    assert got == t


def test_validation_names_the_field_and_writes_nothing(client, op_h):
    cases = [
        ({"title": ""}, "title"),
        ({"title": "ok ok", "priority": "altísima"}, "priority"),
        ({"title": "ok ok", "client_id": 12345}, "client_id"),
        ({"title": "ok ok", "assignee_id": 12345}, "assignee_id"),
        ({"title": "ok ok", "tags": ["no válido!"]}, "tags"),
        ({"title": "ok ok", "state": "closed"}, "state"),  # state is not settable on create
        ({"description": "sin título"}, "title"),
    ]
    for body, field in cases:
        assert_problem(client.post(T, json=body, headers=op_h), 422, field)
    not_json = client.post(
        T, content=b"{not json", headers={**op_h, "content-type": "application/json"}
    )
    assert_problem(not_json, 422)
    assert client.get(T, headers=op_h).json()["total"] == 0


def test_filters_sort_and_pagination(client, staff, sup_h):
    c1 = client.post("/api/v1/clients/", json={"name": "Uno SA"}, headers=sup_h).json()["id"]
    c2 = client.post("/api/v1/clients/", json={"name": "Dos SA"}, headers=sup_h).json()["id"]
    made = []
    specs = [
        ("Impresora no jala", "low", "hardware", c1, staff.operator2.id, ["piso1"]),
        ("Sin internet", "urgent", "redes", c1, staff.operator.id, ["vip"]),
        ("Error al timbrar CFDI", "high", "facturacion", c2, None, []),
        ("VPN se cayó", "high", "redes", c2, staff.operator.id, ["vip", "remoto"]),
        ("Alta de usuario", "medium", "accesos", c1, None, []),
    ]
    for title, prio, cat, cid, aid, tags in specs:
        made.append(
            make(
                client,
                sup_h,
                title=title,
                priority=prio,
                category=cat,
                client_id=cid,
                assignee_id=aid,
                tags=tags,
            )
        )

    def ids(query: str) -> list[int]:
        resp = client.get(T + query, headers=sup_h)
        assert resp.status_code == 200, resp.text
        return [t["id"] for t in resp.json()["items"]]

    i = [t["id"] for t in made]
    assert ids("?priority=high") == [i[3], i[2]]  # newest first by default
    assert ids("?priority=high&priority=urgent&sort=id") == [i[1], i[2], i[3]]
    assert ids(f"?assignee_id={staff.operator.id}&sort=id") == [i[1], i[3]]
    assert ids("?unassigned=true&sort=id") == [i[2], i[4]]
    assert ids(f"?client_id={c2}&sort=id") == [i[2], i[3]]
    assert ids("?category=REDES&sort=id") == [i[1], i[3]]
    assert ids("?tag=vip&sort=id") == [i[1], i[3]]
    assert ids("?q=cfdi") == [i[2]]
    assert ids("?q=JALA") == [i[0]]
    assert ids("?sort=-priority,id") == [i[1], i[2], i[3], i[4], i[0]]
    assert ids("?state=new&sort=title") == [i[4], i[2], i[0], i[1], i[3]]
    page = client.get(T + "?limit=2&offset=2&sort=id", headers=sup_h).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [t["id"] for t in page["items"]] == [i[2], i[3]]
    # created_from/created_to bound the creation instant.
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == i[0])
            .values(created_at=datetime(2026, 1, 15, 12, tzinfo=UTC))
        )
    assert ids("?created_from=2026-01-01T00:00:00Z&created_to=2026-02-01T00:00:00Z") == [i[0]]
    assert_problem(client.get(T + "?sort=password", headers=sup_h), 422, "sort")
    assert_problem(client.get(T + "?limit=0", headers=sup_h), 422, "limit")
    assert_problem(client.get(T + "?limit=501", headers=sup_h), 422, "limit")
    assert_problem(client.get(T + "?state=bogus", headers=sup_h), 422, "state")
    assert_problem(client.get(T + "?created_from=yesterday", headers=sup_h), 422, "created_from")


def test_update_history_and_invalid_transition(client, staff, sup_h):
    t = make(client, sup_h, title="Pantalla azul")
    url = f"{T}{t['id']}"
    r = client.put(
        url, json={"priority": "urgent", "assignee_id": staff.operator.id}, headers=sup_h
    )
    assert r.status_code == 200, r.text
    assert r.json()["priority"] == "urgent" and r.json()["title"] == "Pantalla azul"
    assert client.patch(url, json={"state": "in_progress"}, headers=sup_h).status_code == 200
    resolved = client.patch(url, json={"state": "resolved"}, headers=sup_h).json()
    assert resolved["resolved_at"] is not None
    assert client.patch(url, json={"state": "closed"}, headers=sup_h).status_code == 200
    bad = assert_problem(client.patch(url, json={"state": "open"}, headers=sup_h), 409)
    assert bad["allowed"] == []
    hist = client.get(f"{url}/history", headers=sup_h).json()
    kinds = [h["kind"] for h in hist]
    assert kinds == ["created", "updated", "updated", "updated", "updated"]
    assert hist[1]["changes"]["priority"] == ["medium", "urgent"]
    assert hist[1]["changes"]["assignee_id"] == [None, staff.operator.id]
    assert hist[1]["actor_id"] == staff.supervisor.id
    assert [h["changes"]["state"] for h in hist[2:]] == [
        ["new", "in_progress"],
        ["in_progress", "resolved"],
        ["resolved", "closed"],
    ]


def test_invalid_transition_lists_allowed_states(client, sup_h):
    t = make(client, sup_h)
    client.patch(f"{T}{t['id']}", json={"state": "waiting"}, headers=sup_h)
    body = assert_problem(
        client.patch(f"{T}{t['id']}", json={"state": "closed"}, headers=sup_h), 409
    )
    assert set(body["allowed"]) == {"in_progress", "open", "resolved", "cancelled"}


def test_optimistic_version_conflict(client, sup_h):
    t = make(client, sup_h)
    url = f"{T}{t['id']}"
    ok = client.patch(url, json={"priority": "low", "version": t["version"]}, headers=sup_h)
    assert ok.status_code == 200 and ok.json()["version"] == t["version"] + 1
    stale = client.patch(url, json={"priority": "high", "version": t["version"]}, headers=sup_h)
    assert_problem(stale, 409)
    assert client.get(url, headers=sup_h).json()["priority"] == "low"


def test_comments_public_reply_sets_first_response_internal_does_not(client, sup_h):
    t = make(client, sup_h)
    url = f"{T}{t['id']}"
    note = client.post(
        f"{url}/comments", json={"body": "Revisar con redes", "is_internal": True}, headers=sup_h
    )
    assert note.status_code == 201
    assert client.get(url, headers=sup_h).json()["first_responded_at"] is None
    reply = client.post(f"{url}/comments", json={"body": "Ya lo estamos revisando"}, headers=sup_h)
    assert reply.status_code == 201
    first = client.get(url, headers=sup_h).json()["first_responded_at"]
    assert first is not None
    client.post(f"{url}/comments", json={"body": "Segunda respuesta"}, headers=sup_h)
    assert client.get(url, headers=sup_h).json()["first_responded_at"] == first
    public = client.get(f"{url}/comments?include_internal=false", headers=sup_h).json()
    assert [c["body"] for c in public] == ["Ya lo estamos revisando", "Segunda respuesta"]
    assert len(client.get(f"{url}/comments", headers=sup_h).json()) == 3
    assert_problem(client.post(f"{url}/comments", json={"body": "  "}, headers=sup_h), 422, "body")
    kinds = [h["kind"] for h in client.get(f"{url}/history", headers=sup_h).json()]
    assert kinds == ["created", "internal_note", "reply", "reply"]


def test_idempotency_key_returns_first_ticket_and_refuses_other_body(client, op_h):
    headers = {**op_h, "Idempotency-Key": "abc-123"}
    first = client.post(T, json={"title": "Una sola vez"}, headers=headers)
    again = client.post(T, json={"title": "Una sola vez"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert client.get(T, headers=op_h).json()["total"] == 1
    other = client.post(T, json={"title": "Otro cuerpo"}, headers=headers)
    assert_problem(other, 422)
    assert client.get(T, headers=op_h).json()["total"] == 1


def test_stats_on_a_known_dataset(client, staff, sup_h):
    base = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    rows = [  # (priority, state, minutes to first response, minutes to resolution)
        ("low", "new", None, None),
        ("medium", "open", 30, None),
        ("high", "resolved", 60, 240),
        ("urgent", "closed", 10, 120),
        ("high", "cancelled", None, None),
    ]
    ids = [
        make(client, sup_h, title=f"Caso {n}", priority=p)["id"]
        for n, (p, *_rest) in enumerate(rows)
    ]
    with dbmod.session_scope() as db:
        for tid, (_, state, frt, rt) in zip(ids, rows, strict=True):
            db.execute(
                update(Ticket)
                .where(Ticket.id == tid)
                .values(
                    state=state,
                    created_at=base,
                    first_responded_at=base + timedelta(minutes=frt) if frt else None,
                    resolved_at=base + timedelta(minutes=rt) if rt else None,
                    resolution_due_at=base + timedelta(hours=1),
                )
            )
    s = client.get(f"{T}stats", headers=sup_h).json()
    assert s["total"] == 5
    assert s["by_state"] == {
        "new": 1,
        "open": 1,
        "in_progress": 0,
        "waiting": 0,
        "resolved": 1,
        "closed": 1,
        "cancelled": 1,
    }
    assert s["by_priority"] == {"low": 1, "medium": 1, "high": 2, "urgent": 1}
    assert s["open"] == 2 and s["overdue"] == 2 and s["unassigned_open"] == 2
    assert s["avg_first_response_s"] == pytest.approx((30 + 60 + 10) / 3 * 60)
    assert s["avg_resolution_s"] == (240 + 120) / 2 * 60
    empty = client.get(f"{T}stats", params={"from": "2027-01-01T00:00:00Z"}, headers=sup_h).json()
    assert empty["total"] == 0 and empty["avg_resolution_s"] is None
    inside = client.get(
        f"{T}stats",
        params={"from": "2026-11-01T00:00:00-06:00", "to": "2026-11-03T00:00:00-06:00"},
        headers=sup_h,
    ).json()
    assert inside["total"] == 5
    assert_problem(
        client.get(
            f"{T}stats",
            params={"from": "2026-11-03T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
            headers=sup_h,
        ),
        422,
        "to",
    )


def test_large_text_search_total_is_flagged_estimate_on_postgres(client, backend, sup_h):
    from sqlalchemy import insert

    now = datetime.now(UTC)
    rows = [
        {
            "title": f"La impresora {i} no jala",
            "description": "",
            "priority": "low",
            "state": "new",
            "source": "api",
            "sla_paused_minutes": 0,
            "reopen_count": 0,
            "escalation_level": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1005)
    ]
    with dbmod.session_scope() as db:
        db.execute(insert(Ticket), rows)
    page = client.get(T + "?q=impresora&limit=5", headers=sup_h).json()
    assert len(page["items"]) == 5
    if backend.name == "postgres":
        assert page["total_is_estimate"] is True and page["total"] >= 1001
    else:
        assert page["total_is_estimate"] is False and page["total"] == 1005
    exact = client.get(T + "?state=new&limit=5", headers=sup_h).json()
    assert exact["total"] == 1005 and exact["total_is_estimate"] is False
