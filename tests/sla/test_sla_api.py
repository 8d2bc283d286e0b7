"""/api/v1/sla-policies, /api/v1/business-calendars and /api/v1/tickets/{id}/sla."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.conftest import assert_problem

P = "/api/v1/sla-policies/"
C = "/api/v1/business-calendars/"
T = "/api/v1/tickets/"


def _policy(client: Any, h: dict[str, str], name: str) -> dict[str, Any]:
    items = client.get(P, headers=h, params={"limit": 100}).json()["items"]
    return next(p for p in items if p["name"] == name)


def _calendar(client: Any, h: dict[str, str], name: str) -> dict[str, Any]:
    items = client.get(C, headers=h).json()["items"]
    return next(c for c in items if c["name"] == name)


def _premium_high_policy(client: Any, admin_h: Any, calendar_id: int) -> Any:
    """High priority for premium clients: 15 / 60 minutes around the clock."""
    r = client.post(
        P,
        json={
            "name": "Alta premium",
            "priority": "high",
            "client_tier": "premium",
            "first_response_minutes": 15,
            "resolution_minutes": 60,
            "calendar_id": calendar_id,
        },
        headers=admin_h,
    )
    assert r.status_code == 201, r.text
    return r


def test_staff_read_admins_write(client: Any, sla_db: None, op_h: Any, sup_h: Any) -> None:
    r = client.get(P, headers=op_h)
    assert r.status_code == 200 and r.json()["total"] == 4
    assert client.get(P, headers=op_h, params={"priority": "urgent"}).json()["total"] == 1
    assert client.get(C, headers=op_h).json()["total"] == 2
    body = {"name": "X", "first_response_minutes": 10, "resolution_minutes": 20}
    assert_problem(client.post(P, json=body, headers=sup_h), 403)
    alta = _policy(client, op_h, "Alta")
    assert_problem(client.patch(f"{P}{alta['id']}", json={"name": "Y"}, headers=op_h), 403)
    assert_problem(client.post(C, json={"name": "Z", "hours": {}}, headers=sup_h), 403)
    assert_problem(client.get(P), 401)


def test_policy_validation(client: Any, sla_db: None, admin_h: Any) -> None:
    bad = {"name": "Mala", "first_response_minutes": 120, "resolution_minutes": 60}
    assert_problem(client.post(P, json=bad, headers=admin_h), 422, "resolution_minutes")
    zero = {"name": "Cero", "first_response_minutes": 0, "resolution_minutes": 60}
    assert_problem(client.post(P, json=zero, headers=admin_h), 422, "first_response_minutes")
    nocal = {"name": "N", "first_response_minutes": 1, "resolution_minutes": 2, "calendar_id": 99}
    assert_problem(client.post(P, json=nocal, headers=admin_h), 422, "calendar_id")
    dup = {"name": "Otra alta", "priority": "high", "first_response_minutes": 5}
    dup["resolution_minutes"] = 50
    assert_problem(client.post(P, json=dup, headers=admin_h), 409)
    alta = _policy(client, admin_h, "Alta")
    r = client.patch(f"{P}{alta['id']}", json={"resolution_minutes": 30}, headers=admin_h)
    assert_problem(r, 422, "resolution_minutes")


def test_policy_changes_recompute_open_tickets(
    client: Any, sla_db: None, admin_h: Any, sup_h: Any
) -> None:
    ids = [
        client.post(T, json={"title": f"Alta {i}", "priority": "high"}, headers=sup_h).json()["id"]
        for i in range(3)
    ]
    low = client.post(T, json={"title": "Baja", "priority": "low"}, headers=sup_h).json()
    before = client.get(f"{T}{ids[0]}", headers=sup_h).json()
    assert before["sla_status"] == "on_track" and before["first_response_due_at"]
    client.patch(f"{T}{ids[2]}", json={"state": "resolved"}, headers=sup_h)  # not open

    alta = _policy(client, admin_h, "Alta")
    cal24 = _calendar(client, admin_h, "24x7")
    r = client.patch(
        f"{P}{alta['id']}",
        json={"first_response_minutes": 5, "calendar_id": cal24["id"]},
        headers=admin_h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["recomputed_tickets"] == 2 and r.json()["first_response_minutes"] == 5
    after = client.get(f"{T}{ids[0]}", headers=sup_h).json()
    created = datetime.fromisoformat(after["created_at"])
    due = datetime.fromisoformat(after["first_response_due_at"])
    assert (due - created).total_seconds() == pytest.approx(300, abs=1)
    assert (
        client.get(f"{T}{low['id']}", headers=sup_h).json()
        == client.get(f"{T}{low['id']}", headers=sup_h).json()
    )

    # A more specific policy takes the matching open tickets over.
    premium = client.post(
        "/api/v1/clients/", json={"name": "Premium SA", "tier": "premium"}, headers=sup_h
    ).json()
    t = client.post(
        T,
        json={"title": "Premium alta", "priority": "high", "client_id": premium["id"]},
        headers=sup_h,
    ).json()
    assert client.get(f"{T}{t['id']}/sla", headers=sup_h).json()["policy_name"] == "Alta"
    r = _premium_high_policy(client, admin_h, cal24["id"])
    assert r.json()["recomputed_tickets"] == 1
    sla = client.get(f"{T}{t['id']}/sla", headers=sup_h).json()
    assert sla["policy_name"] == "Alta premium" and sla["calendar"] == "24x7"
    assert 14 < sla["remaining_business_minutes"]["first_response"] <= 15
    assert 59 < sla["remaining_business_minutes"]["resolution"] <= 60

    # Deleting a policy tickets refer to deactivates it, and they fall back to "Alta".
    r = client.delete(f"{P}{r.json()['id']}", headers=admin_h)
    assert r.status_code == 200, r.text
    assert r.json()["deactivated"] is True and r.json()["recomputed_tickets"] >= 1
    assert client.get(f"{T}{t['id']}/sla", headers=sup_h).json()["policy_name"] == "Alta"
    unused = client.post(
        P,
        json={
            "name": "Sin uso",
            "client_tier": "basic",
            "first_response_minutes": 1,
            "resolution_minutes": 2,
        },
        headers=admin_h,
    ).json()
    r = client.delete(f"{P}{unused['id']}", headers=admin_h)
    assert r.json()["deleted"] is True
    assert_problem(client.get(f"{P}{unused['id']}", headers=admin_h), 404)


def test_priority_change_recomputes_and_ticket_sla_view(
    client: Any, sla_db: None, sup_h: Any, op_h: Any
) -> None:
    t = client.post(T, json={"title": "Se complica", "priority": "low"}, headers=sup_h).json()
    view = client.get(f"{T}{t['id']}/sla", headers=op_h).json()
    assert view["policy_name"] == "Baja" and view["sla_status"] == "on_track"
    assert view["paused"] is False and view["paused_minutes"] == 0
    r = client.patch(f"{T}{t['id']}", json={"priority": "urgent"}, headers=sup_h).json()
    assert r["first_response_due_at"] != t["first_response_due_at"]
    view = client.get(f"{T}{t['id']}/sla", headers=op_h).json()
    assert view["policy_name"] == "Urgente 24x7" and view["calendar"] == "24x7"
    assert 29 < view["remaining_business_minutes"]["first_response"] <= 30
    # The ticket itself carries the same remaining minutes.
    body = client.get(f"{T}{t['id']}", headers=op_h).json()
    assert 29 < body["sla_remaining_minutes"]["first_response"] <= 30
    assert body["sla_remaining_minutes"]["resolution"] > 30
    client.patch(f"{T}{t['id']}", json={"state": "waiting"}, headers=sup_h)
    view = client.get(f"{T}{t['id']}/sla", headers=op_h).json()
    assert view["paused"] is True and view["sla_status"] == "paused"
    frozen = client.get(f"{T}{t['id']}", headers=op_h).json()["sla_remaining_minutes"]
    assert frozen == view["remaining_business_minutes"]  # frozen while paused
    listed = client.get(T, headers=op_h).json()["items"]
    assert all(item["sla_remaining_minutes"] is None for item in listed)  # lists stay cheap
    assert_problem(client.get(f"{T}999999/sla", headers=op_h), 404)


def test_calendar_validation(client: Any, sla_db: None, admin_h: Any) -> None:
    def post(**body: Any) -> Any:
        return client.post(C, json={"name": "Turno", **body}, headers=admin_h)

    assert_problem(post(hours={"0": [["9h", "18:00"]]}), 422, "hours")
    assert_problem(post(hours={"0": [["09:60", "18:00"]]}), 422, "hours")
    assert_problem(post(hours={"0": [["09:00"]]}), 422, "hours")
    assert_problem(post(hours={"0": [["09:00", "25:00"]]}), 422, "hours")
    assert_problem(post(hours={"0": [["18:00", "09:00"]]}), 422, "hours")
    assert_problem(post(hours={"9": [["09:00", "18:00"]]}), 422, "hours")
    assert_problem(post(hours={}), 422, "hours")  # never open
    assert_problem(post(hours={"0": [["09:00", "18:00"]]}, tz="Mars/Olympus"), 422, "tz")
    twice = [{"date": "2027-01-01", "name": "A"}, {"date": "2027-01-01", "name": "B"}]
    assert_problem(post(hours={"0": [["09:00", "18:00"]]}, holidays=twice), 422, "holidays")
    ok = post(hours={"0": [["09:00", "13:00"], ["14:00", "18:00"]]}, holidays=twice[:1])
    assert ok.status_code == 201, ok.text
    assert ok.json()["holidays"] == [{"date": "2027-01-01", "name": "A"}]
    assert_problem(post(hours={"1": [["09:00", "18:00"]]}), 409)  # same name


def test_calendar_edits_recompute_and_mexico_holidays(
    client: Any, sla_db: None, admin_h: Any, sup_h: Any
) -> None:
    t = client.post(T, json={"title": "Media", "priority": "medium"}, headers=sup_h).json()
    client.post(T, json={"title": "Urgente", "priority": "urgent"}, headers=sup_h)  # 24x7
    work = _calendar(client, admin_h, "Horario laboral (México)")
    assert work["is_default"] is True
    r = client.patch(
        f"{C}{work['id']}",
        json={"hours": {str(d): [["00:00", "24:00"]] for d in range(7)}, "holidays": []},
        headers=admin_h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["recomputed_tickets"] == 1 and r.json()["holidays"] == []
    after = client.get(f"{T}{t['id']}", headers=sup_h).json()
    created = datetime.fromisoformat(after["created_at"])
    due = datetime.fromisoformat(after["first_response_due_at"])
    assert (due - created).total_seconds() == pytest.approx(240 * 60, abs=1)

    r = client.post(f"{C}{work['id']}/holidays/mexico?years=2027&years=2028", headers=admin_h)
    assert r.status_code == 200, r.text
    days = {h["date"]: h["name"] for h in r.json()["holidays"]}
    assert days["2027-02-01"] == "Día de la Constitución"  # first Monday of February
    assert days["2028-11-20"] == "Revolución Mexicana"  # third Monday of November
    assert len(days) == 14
    again = client.post(f"{C}{work['id']}/holidays/mexico?years=2027", headers=admin_h)
    assert len(again.json()["holidays"]) == 14  # nothing added twice
    assert_problem(
        client.post(f"{C}{work['id']}/holidays/mexico?years=1900", headers=admin_h), 422, "years"
    )
    assert_problem(client.post(f"{C}{work['id']}/holidays/mexico", headers=admin_h), 422)

    # A new default calendar takes over policies without one; only one default remains.
    new = client.post(
        C,
        json={"name": "Nuevo", "hours": {"0": [["09:00", "18:00"]]}, "is_default": True},
        headers=admin_h,
    )
    assert new.status_code == 201, new.text
    defaults = [c for c in client.get(C, headers=admin_h).json()["items"] if c["is_default"]]
    assert [c["name"] for c in defaults] == ["Nuevo"]


def test_client_tier_change_recomputes_its_open_tickets(
    client: Any, sla_db: None, admin_h: Any, sup_h: Any
) -> None:
    _premium_high_policy(client, admin_h, _calendar(client, admin_h, "24x7")["id"])
    cid = client.post("/api/v1/clients/", json={"name": "Sube SA"}, headers=sup_h).json()["id"]
    other = client.post("/api/v1/clients/", json={"name": "Queda SA"}, headers=sup_h).json()["id"]

    def ticket(title: str, client_id: int) -> int:
        body = {"title": title, "priority": "high", "client_id": client_id}
        return int(client.post(T, json=body, headers=sup_h).json()["id"])

    mine, done, theirs = ticket("Abierto", cid), ticket("Resuelto", cid), ticket("Otro", other)
    client.patch(f"{T}{done}", json={"state": "resolved"}, headers=sup_h)
    before = {i: client.get(f"{T}{i}", headers=sup_h).json() for i in (mine, done, theirs)}
    assert client.get(f"{T}{mine}/sla", headers=sup_h).json()["policy_name"] == "Alta"

    r = client.patch(f"/api/v1/clients/{cid}", json={"tier": "premium"}, headers=sup_h)
    assert r.status_code == 200, r.text
    sla = client.get(f"{T}{mine}/sla", headers=sup_h).json()
    assert sla["policy_name"] == "Alta premium" and sla["calendar"] == "24x7"
    assert 14 < sla["remaining_business_minutes"]["first_response"] <= 15
    after = client.get(f"{T}{mine}", headers=sup_h).json()
    created = datetime.fromisoformat(after["created_at"])
    due = datetime.fromisoformat(after["resolution_due_at"])
    assert (due - created).total_seconds() == pytest.approx(3600, abs=1)
    # A resolved ticket keeps the deadlines it was judged by; other clients' are untouched.
    for i in (done, theirs):
        now = client.get(f"{T}{i}", headers=sup_h).json()
        assert now["resolution_due_at"] == before[i]["resolution_due_at"]
    # Back to standard: the general policy again.
    client.patch(f"/api/v1/clients/{cid}", json={"tier": "standard"}, headers=sup_h)
    assert client.get(f"{T}{mine}/sla", headers=sup_h).json()["policy_name"] == "Alta"
