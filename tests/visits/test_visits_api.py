"""Visits API: booking rules (overlaps, travel buffer, hours, holidays), pick, states, moves."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.conftest import assert_problem, auth_header, make_operator
from tests.servers import serve_app
from uanl.core import db as dbmod
from uanl.core.errors import Conflict
from uanl.models import BusinessCalendar, Operator, Role, ScheduledVisit
from uanl.sla.holidays import mexico_official_holidays
from uanl.visits import service
from uanl.visits.schemas import VisitCreate

V = "/api/v1/visits/"
MTY = ZoneInfo("America/Monterrey")


def _holidays(*years: int) -> set[date]:
    return {d for y in years for d, _ in mexico_official_holidays(y)}


def next_weekday(weekday: int, min_days: int = 3) -> date:
    """The first `weekday` (0=Monday) at least `min_days` ahead that is not a holiday."""
    day = datetime.now(MTY).date() + timedelta(days=min_days)
    holidays = _holidays(day.year, day.year + 1)
    while day.weekday() != weekday or day in holidays:
        day += timedelta(days=1)
    return day


TUESDAY = next_weekday(1)


def at(hour: int, minute: int = 0, day: date | None = None) -> str:
    """A local Monterrey wall time as an ISO instant with its offset."""
    return datetime.combine(day or TUESDAY, time(hour, minute), tzinfo=MTY).isoformat()


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def next_fixed_holiday() -> date:
    """The next Dec 25 or Jan 1 that falls on a weekday (a working day but for the holiday)."""
    today = datetime.now(MTY).date()
    year = today.year
    while True:
        for day in (date(year, 12, 25), date(year + 1, 1, 1)):
            if day > today and day.weekday() < 5:
                return day
        year += 1


@pytest.fixture
def cid(client, op_h) -> int:
    body = {"name": "Comercializadora del Norte", "address": "Av. Constitución 100, Monterrey"}
    resp = client.post("/api/v1/clients/", json=body, headers=op_h)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def book(client, headers, cid: int, start: str, end: str, **extra):
    body = {"client_id": cid, "scheduled_start": start, "scheduled_end": end, **extra}
    return client.post(V, json=body, headers=headers)


def booked(client, headers, cid: int, start: str, end: str, **extra) -> dict:
    resp = book(client, headers, cid, start, end, **extra)
    assert resp.status_code == 201, resp.text
    return resp.json()


def technicians(*specs: tuple[str, list[str]]) -> list[Operator]:
    return [
        make_operator(name, f"{name.lower()}@tec.example.mx", Role.operator, skills=skills)
        for name, skills in specs
    ]


# -- create and read ---------------------------------------------------------------------------


def test_create_defaults_the_address_and_reads_back(client, staff, op_h, cid):
    v = booked(client, op_h, cid, at(10), at(11), operator_id=staff.operator.id, notes="Módem")
    assert v["state"] == "scheduled" and v["forced"] is False and v["reschedule_count"] == 0
    assert v["address"] == "Av. Constitución 100, Monterrey"
    assert utc(v["scheduled_start"]) == utc(at(10))
    assert v["created_by_id"] == staff.operator.id and v["operator_id"] == staff.operator.id
    assert client.get(f"{V}{v['id']}", headers=op_h).json() == v
    other = booked(
        client, op_h, cid, at(15), at(16), operator_id=staff.operator2.id, address="Calle 5 #3"
    )
    assert other["address"] == "Calle 5 #3"
    no_slash = client.get("/api/v1/visits", params={"operator_id": staff.operator.id}, headers=op_h)
    assert [i["id"] for i in no_slash.json()["items"]] == [v["id"]]
    window = {"from": at(14, 30), "to": at(18)}
    page = client.get(V, params=window, headers=op_h).json()
    assert page["total"] == 1 and page["items"][0]["id"] == other["id"]
    client.post(f"{V}{v['id']}/confirm", headers=op_h)
    by_state = client.get(V, params={"state": ["confirmed", "done"]}, headers=op_h).json()
    assert [i["id"] for i in by_state["items"]] == [v["id"]]
    ordered = client.get(V, params={"sort": "-scheduled_start"}, headers=op_h).json()
    assert [i["id"] for i in ordered["items"]] == [other["id"], v["id"]]
    assert set(ordered) == {"items", "total", "limit", "offset", "total_is_estimate"}
    assert_problem(client.get(V, params={"sort": "nope"}, headers=op_h), 422, "sort")
    assert_problem(client.get(f"{V}999999", headers=op_h), 404)


def test_references_and_times_are_validated(client, staff, op_h, cid):
    op = staff.operator.id
    cases = [
        ({"scheduled_end": at(10)}, "scheduled_end"),  # end == start
        ({"scheduled_end": at(9)}, "scheduled_end"),
        (
            {"scheduled_start": at(9), "scheduled_end": (TUESDAY + timedelta(1)).isoformat()},
            "scheduled_end",
        ),
        ({"client_id": 999999}, "client_id"),
        ({"operator_id": 999999}, "operator_id"),
        ({"ticket_id": 999999}, "ticket_id"),
        ({"scheduled_start": "2030-01-08T10:00:00"}, "scheduled_start"),  # no offset
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        body = {
            "client_id": cid,
            "operator_id": op,
            "scheduled_start": at(10),
            "scheduled_end": at(10),
        } | change
        resp = client.post(V, json=body, headers=op_h)
        assert_problem(resp, 422, field)
    too_long = book(
        client,
        op_h,
        cid,
        at(6),
        datetime.combine(TUESDAY, time(18, 30), tzinfo=MTY).isoformat(),
        operator_id=op,
    )
    assert "12 hours" in assert_problem(too_long, 422, "scheduled_end")["detail"]
    past = datetime.now(UTC) - timedelta(days=2)
    resp = book(
        client, op_h, cid, past.isoformat(), (past + timedelta(hours=1)).isoformat(), operator_id=op
    )
    assert "past" in assert_problem(resp, 422, "scheduled_start")["detail"]
    bare = client.post("/api/v1/clients/", json={"name": "Sin Domicilio"}, headers=op_h).json()
    resp = book(client, op_h, bare["id"], at(10), at(11), operator_id=op)
    assert_problem(resp, 422, "address")
    assert client.get(V, headers=op_h).json()["total"] == 0


def test_from_a_ticket_the_client_comes_from_the_ticket(client, staff, op_h, cid):
    t = client.post(
        "/api/v1/tickets/", json={"title": "Impresora atascada", "client_id": cid}, headers=op_h
    ).json()
    body = {
        "ticket_id": t["id"],
        "operator_id": staff.operator.id,
        "scheduled_start": at(12),
        "scheduled_end": at(13),
    }
    v = client.post(V, json=body, headers=op_h)
    assert v.status_code == 201, v.text
    assert v.json()["client_id"] == cid and v.json()["ticket_id"] == t["id"]
    other = client.post("/api/v1/clients/", json={"name": "Otro SA"}, headers=op_h).json()
    assert_problem(
        client.post(V, json=body | {"client_id": other["id"]}, headers=op_h), 422, "client_id"
    )
    orphan = client.post("/api/v1/tickets/", json={"title": "Sin cliente"}, headers=op_h).json()
    assert_problem(
        client.post(V, json=body | {"ticket_id": orphan["id"]}, headers=op_h), 422, "client_id"
    )


# -- conflicts ---------------------------------------------------------------------------------


def test_overlap_for_the_same_operator_is_409_naming_the_visit(client, staff, op_h, sup_h, cid):
    first = booked(client, op_h, cid, at(10), at(11), operator_id=staff.operator.id)
    resp = book(client, sup_h, cid, at(10, 30), at(11, 30), operator_id=staff.operator.id)
    body = assert_problem(resp, 409)
    assert body["conflicting_visit_id"] == first["id"]
    assert f"visit {first['id']}" in body["detail"]
    assert body["conflicting_visit"]["scheduled_start"] == first["scheduled_start"]
    # A visit that contains the other one conflicts too; another technician is free.
    assert_problem(book(client, sup_h, cid, at(9), at(12), operator_id=staff.operator.id), 409)
    assert (
        book(client, sup_h, cid, at(10), at(11), operator_id=staff.operator2.id).status_code == 201
    )
    # Cancelled visits free the slot.
    cancel = client.post(f"{V}{first['id']}/cancel", json={"reason": "Cliente cerró"}, headers=op_h)
    assert cancel.status_code == 200, cancel.text
    assert (
        book(client, sup_h, cid, at(10, 30), at(11, 30), operator_id=staff.operator.id).status_code
        == 201
    )


def test_travel_buffer_edge(client, staff, op_h, cid):
    op = staff.operator.id
    morning = booked(client, op_h, cid, at(9), at(10), operator_id=op)
    body = assert_problem(book(client, op_h, cid, at(10, 20), at(11), operator_id=op), 409)
    assert body["conflicting_visit_id"] == morning["id"] and body["travel_buffer_minutes"] == 30
    assert "30-minute travel buffer" in body["detail"]
    assert book(client, op_h, cid, at(10, 30), at(11), operator_id=op).status_code == 201
    # The buffer applies before a visit as well: 11:30 + 30 min reaches the 12:00 visit.
    noon = booked(client, op_h, cid, at(12), at(13), operator_id=op)
    body = assert_problem(book(client, op_h, cid, at(11, 35), at(11, 45), operator_id=op), 409)
    assert body["conflicting_visit_id"] == noon["id"]


def test_travel_buffer_is_configurable(client, staff, op_h, cid, settings, monkeypatch):
    monkeypatch.setattr(settings, "visit_travel_buffer_minutes", 0)
    op = staff.operator.id
    booked(client, op_h, cid, at(9), at(10), operator_id=op)
    assert book(client, op_h, cid, at(10), at(11), operator_id=op).status_code == 201
    assert_problem(book(client, op_h, cid, at(10, 59), at(11, 30), operator_id=op), 409)


# -- working hours -----------------------------------------------------------------------------


def test_outside_working_hours_is_422_unless_forced(client, staff, op_h, cid):
    op = staff.operator.id
    late = assert_problem(
        book(client, op_h, cid, at(19), at(20), operator_id=op), 422, "scheduled_start"
    )
    assert "outside working hours" in late["detail"] and "09:00-18:00" in late["detail"]
    assert "force=true" in late["detail"]
    # Ending after closing is outside too; ending exactly at closing is inside.
    assert_problem(book(client, op_h, cid, at(17), at(18, 30), operator_id=op), 422)
    assert book(client, op_h, cid, at(17), at(18), operator_id=op).status_code == 201
    sunday = TUESDAY + timedelta(days=5)
    closed = assert_problem(
        book(client, op_h, cid, at(10, day=sunday), at(11, day=sunday), operator_id=op), 422
    )
    assert "closed" in closed["detail"]
    saturday = TUESDAY + timedelta(days=4)
    if saturday not in _holidays(saturday.year):
        sat = book(client, op_h, cid, at(13, day=saturday), at(15, day=saturday), operator_id=op)
        assert "09:00-14:00" in assert_problem(sat, 422)["detail"]
    forced = booked(client, op_h, cid, at(19), at(20), operator_id=op, force=True)
    assert forced["forced"] is True
    # force does not override a double booking.
    assert_problem(book(client, op_h, cid, at(19), at(20), operator_id=op, force=True), 409)


def test_holiday_is_422_unless_forced(client, staff, op_h, cid):
    day = next_fixed_holiday()
    op = staff.operator.id
    resp = book(client, op_h, cid, at(10, day=day), at(11, day=day), operator_id=op)
    detail = assert_problem(resp, 422, "scheduled_start")["detail"]
    assert "holiday" in detail and day.isoformat() in detail
    forced = book(client, op_h, cid, at(10, day=day), at(11, day=day), operator_id=op, force=True)
    assert forced.status_code == 201 and forced.json()["forced"] is True


def test_the_default_business_calendar_row_decides_the_hours(client, staff, op_h, cid):
    with dbmod.session_scope() as db:
        db.add(
            BusinessCalendar(
                name="Turno matutino",
                tz="America/Monterrey",
                hours={str(d): [["08:00", "12:00"]] for d in range(5)},
                holidays=[{"date": TUESDAY.isoformat(), "name": "Día de la UANL"}],
                is_default=True,
            )
        )
    op = staff.operator.id
    detail = assert_problem(book(client, op_h, cid, at(9), at(10), operator_id=op), 422)["detail"]
    assert "Día de la UANL" in detail
    wednesday = TUESDAY + timedelta(days=1)
    assert_problem(
        book(client, op_h, cid, at(13, day=wednesday), at(14, day=wednesday), operator_id=op), 422
    )
    ok = book(client, op_h, cid, at(8, day=wednesday), at(9, day=wednesday), operator_id=op)
    assert ok.status_code == 201, ok.text


# -- automatic pick ----------------------------------------------------------------------------


def test_auto_pick_by_skill_least_busy_first_and_none_free(client, staff, op_h, cid):
    ana, beto, ciro = technicians(
        ("Ana", ["impresoras", "redes"]), ("Beto", ["Impresoras"]), ("Ciro", ["redes"])
    )
    make_operator(
        "Dana", "dana@tec.example.mx", Role.operator, skills=["impresoras"], is_active=False
    )
    make_operator("Eva", "eva@tec.example.mx", Role.supervisor, skills=["impresoras"])
    v1 = booked(client, op_h, cid, at(10), at(11), skill="impresoras")
    assert v1["operator_id"] == ana.id  # tie on visits that day: lowest id
    v2 = booked(client, op_h, cid, at(15), at(16), skill="impresoras")
    assert v2["operator_id"] == beto.id  # Ana already has one visit that day
    v3 = booked(client, op_h, cid, at(10), at(11), skill="IMPRESORAS")
    assert v3["operator_id"] == beto.id  # Ana is busy at 10:00; Beto is free then
    full = assert_problem(book(client, op_h, cid, at(10, 30), at(11, 30), skill="impresoras"), 409)
    assert "impresoras" in full["detail"] and "All 2" in full["detail"]
    nobody = assert_problem(book(client, op_h, cid, at(13), at(14), skill="plomería"), 409)
    assert "plomería" in nobody["detail"]
    # From a ticket, the ticket's category is the skill.
    t = client.post(
        "/api/v1/tickets/",
        json={"title": "Switch dañado", "client_id": cid, "category": "Redes"},
        headers=op_h,
    ).json()
    v4 = client.post(
        V,
        json={"ticket_id": t["id"], "scheduled_start": at(10), "scheduled_end": at(11)},
        headers=op_h,
    )
    assert v4.status_code == 201, v4.text
    assert v4.json()["operator_id"] == ciro.id  # Ana (redes too) is busy at 10:00
    # Off-shift staff (the fixture's operators) are never picked.
    assert {v1["operator_id"], v2["operator_id"]} & {staff.operator.id, staff.operator2.id} == set()


# -- states ------------------------------------------------------------------------------------


def test_state_machine_and_invalid_transitions(client, staff, op_h, cid):
    op = staff.operator.id
    v = booked(client, op_h, cid, at(9), at(10), operator_id=op)
    url = f"{V}{v['id']}"
    bad = assert_problem(client.post(f"{url}/complete", headers=op_h), 409)
    assert bad["allowed"] == ["confirmed", "in_progress", "cancelled", "no_show"]
    assert "scheduled to done" in bad["detail"]
    assert client.post(f"{url}/confirm", headers=op_h).json()["state"] == "confirmed"
    again = assert_problem(client.post(f"{url}/confirm", headers=op_h), 409)
    assert again["allowed"] == ["in_progress", "cancelled", "no_show"]
    started = client.post(f"{url}/start", headers=op_h).json()
    assert started["state"] == "in_progress" and started["started_at"] is not None
    assert assert_problem(client.post(f"{url}/cancel", json={"reason": "x"}, headers=op_h), 409)[
        "allowed"
    ] == ["done"]
    done = client.post(f"{url}/complete", headers=op_h).json()
    assert done["state"] == "done" and done["finished_at"] is not None
    final = assert_problem(client.post(f"{url}/no-show", headers=op_h), 409)
    assert final["allowed"] == [] and "final state" in final["detail"]

    w = booked(client, op_h, cid, at(11), at(12), operator_id=op)
    assert client.post(f"{V}{w['id']}/start", headers=op_h).json()["state"] == "in_progress"
    x = booked(client, op_h, cid, at(13), at(14), operator_id=op)
    assert_problem(client.post(f"{V}{x['id']}/cancel", json={}, headers=op_h), 422, "reason")
    cancelled = client.post(f"{V}{x['id']}/cancel", json={"reason": "Sin acceso"}, headers=op_h)
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Sin acceso"
    assert assert_problem(client.post(f"{V}{x['id']}/confirm", headers=op_h), 409)["allowed"] == []
    y = booked(client, op_h, cid, at(15), at(16), operator_id=op)
    client.post(f"{V}{y['id']}/confirm", headers=op_h)
    assert client.post(f"{V}{y['id']}/no-show", headers=op_h).json()["state"] == "no_show"


def test_operators_change_only_their_own_visits(client, staff, op_h, sup_h, cid):
    theirs = booked(client, sup_h, cid, at(9), at(10), operator_id=staff.operator2.id)
    mine = booked(client, sup_h, cid, at(12), at(13), operator_id=staff.operator.id)
    for method, suffix, body in [
        ("post", "/confirm", None),
        ("post", "/cancel", {"reason": "no"}),
        ("patch", "", {"notes": "x"}),
        ("post", "/reschedule", {"scheduled_start": at(14), "scheduled_end": at(15)}),
    ]:
        resp = client.request(method, f"{V}{theirs['id']}{suffix}", json=body, headers=op_h)
        assert_problem(resp, 403)
    assert client.get(f"{V}{theirs['id']}", headers=op_h).status_code == 200  # reading is fine
    hand_off = {"operator_id": staff.operator2.id}
    assert_problem(client.patch(f"{V}{mine['id']}", json=hand_off, headers=op_h), 403)
    ok = client.patch(f"{V}{mine['id']}", json={"notes": "Llevar escalera"}, headers=op_h)
    assert ok.status_code == 200 and ok.json()["notes"] == "Llevar escalera"
    # A supervisor may reassign, but only to a free technician.
    booked(client, sup_h, cid, at(12, 30), at(13, 30), operator_id=staff.operator2.id)
    busy = assert_problem(client.patch(f"{V}{mine['id']}", json=hand_off, headers=sup_h), 409)
    assert "operator" in busy["detail"].lower()
    moved = client.patch(
        f"{V}{theirs['id']}", json={"operator_id": staff.operator.id}, headers=sup_h
    )
    assert moved.status_code == 200 and moved.json()["operator_id"] == staff.operator.id


def test_patch_fields_and_version(client, staff, op_h, cid):
    v = booked(client, op_h, cid, at(9), at(10), operator_id=staff.operator.id)
    url = f"{V}{v['id']}"
    changed = client.patch(
        url, json={"address": "Nuevo domicilio 1", "version": v["version"]}, headers=op_h
    )
    assert changed.status_code == 200 and changed.json()["version"] == v["version"] + 1
    stale = assert_problem(
        client.patch(url, json={"notes": "x", "version": v["version"]}, headers=op_h), 409
    )
    assert stale["current_version"] == v["version"] + 1
    assert_problem(client.patch(url, json={"address": None}, headers=op_h), 422, "address")
    assert_problem(client.patch(url, json={"state": "done"}, headers=op_h), 422, "state")


# -- reschedule --------------------------------------------------------------------------------


def test_reschedule_checks_and_resets_reminders(client, staff, op_h, cid):
    op = staff.operator.id
    v = booked(client, op_h, cid, at(9), at(10), operator_id=op)
    other = booked(client, op_h, cid, at(14), at(15), operator_id=op)
    client.post(f"{V}{v['id']}/confirm", headers=op_h)
    now = datetime.now(UTC)
    with dbmod.session_scope() as db:
        db.execute(
            update(ScheduledVisit)
            .where(ScheduledVisit.id == v["id"])
            .values(reminder_24h_sent_at=now, reminder_1h_sent_at=now)
        )
    url = f"{V}{v['id']}/reschedule"
    clash = assert_problem(
        client.post(url, json={"scheduled_start": at(15), "scheduled_end": at(16)}, headers=op_h),
        409,
    )
    assert clash["conflicting_visit_id"] == other["id"]
    assert_problem(
        client.post(url, json={"scheduled_start": at(20), "scheduled_end": at(21)}, headers=op_h),
        422,
        "scheduled_start",
    )
    # Moving within its own slot does not conflict with itself.
    moved = client.post(
        url, json={"scheduled_start": at(9, 30), "scheduled_end": at(10, 30)}, headers=op_h
    )
    assert moved.status_code == 200, moved.text
    m = moved.json()
    assert m["reschedule_count"] == 1 and m["state"] == "scheduled"
    assert m["reminder_24h_sent_at"] is None and m["reminder_1h_sent_at"] is None
    assert utc(m["scheduled_start"]) == utc(at(9, 30))
    forced = client.post(
        url, json={"scheduled_start": at(20), "scheduled_end": at(21), "force": True}, headers=op_h
    ).json()
    assert forced["forced"] is True and forced["reschedule_count"] == 2
    client.post(f"{V}{v['id']}/cancel", json={"reason": "Ya no"}, headers=op_h)
    final = assert_problem(
        client.post(url, json={"scheduled_start": at(11), "scheduled_end": at(12)}, headers=op_h),
        409,
    )
    assert final["allowed"] == []


# -- calendar ----------------------------------------------------------------------------------


def test_calendar_groups_by_local_day_and_validates_the_range(client, staff, op_h, cid):
    t = client.post(
        "/api/v1/tickets/", json={"title": "Revisión", "client_id": cid}, headers=op_h
    ).json()
    a = booked(client, op_h, cid, at(9), at(10), operator_id=staff.operator.id, ticket_id=t["id"])
    wednesday = TUESDAY + timedelta(days=1)
    b = booked(
        client,
        op_h,
        cid,
        at(17, day=wednesday),
        at(18, day=wednesday),
        operator_id=staff.operator2.id,
    )
    C = f"{V}calendar"
    week = {"from": at(0), "to": at(0, day=TUESDAY + timedelta(days=7))}
    cal = client.get(C, params=week, headers=op_h)
    assert cal.status_code == 200, cal.text
    body = cal.json()
    assert body["total"] == 2 and body["timezone"] == "America/Monterrey"
    # 17:00 local on Wednesday is already Thursday in UTC; the day is the local one.
    assert [d["date"] for d in body["days"]] == [TUESDAY.isoformat(), wednesday.isoformat()]
    first = body["days"][0]["events"][0]
    assert first["id"] == a["id"] and first["operator_name"] == "Óscar Operador"
    assert first["client_name"] == "Comercializadora del Norte"
    assert first["title"] == f"Comercializadora del Norte (ticket #{t['id']})"
    assert {"start", "end", "state", "operator_id"} <= first.keys()
    only = client.get(C, params=week | {"operator_id": staff.operator2.id}, headers=op_h).json()
    assert [e["id"] for d in only["days"] for e in d["events"]] == [b["id"]]
    assert_problem(client.get(C, params={"from": at(10), "to": at(9)}, headers=op_h), 422, "to")
    far = {"from": at(0), "to": at(0, day=TUESDAY + timedelta(days=94))}
    assert "93 days" in assert_problem(client.get(C, params=far, headers=op_h), 422, "to")["detail"]
    ok = {"from": at(0), "to": at(0, day=TUESDAY + timedelta(days=93))}
    assert client.get(C, params=ok, headers=op_h).status_code == 200
    assert_problem(client.get(C, params={"to": at(9)}, headers=op_h), 422, "from")
    assert_problem(client.get(C, params={"from": "mañana", "to": at(9)}, headers=op_h), 422)


# -- concurrency -------------------------------------------------------------------------------


def test_ten_threads_booking_one_slot_exactly_one_wins(client, staff, backend, cid):
    """Each thread has its own session and transaction (PostgreSQL: row lock on the operator;
    SQLite: the single write lock)."""
    barrier = threading.Barrier(10)

    def attempt(i: int) -> str:
        data = VisitCreate(
            client_id=cid,
            operator_id=staff.operator.id,
            scheduled_start=utc(at(10, i)),  # all overlap: 10:00..10:09 to 11:00
            scheduled_end=utc(at(11)),
        )
        barrier.wait()
        try:
            with dbmod.session_scope() as db:
                service.create_visit(db, data, db.get(Operator, staff.supervisor.id))
            return "booked"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(10) as pool:
        outcomes = Counter(pool.map(attempt, range(10)))
    assert outcomes == {"booked": 1, "conflict": 9}, (backend.name, outcomes)
    with dbmod.session_scope() as db:
        assert db.scalar(select(func.count()).select_from(ScheduledVisit)) == 1


def test_concurrent_automatic_picks_never_double_book(client, staff, backend, cid):
    pool_of = technicians(("Uno", ["redes"]), ("Dos", ["redes"]), ("Tres", ["redes"]))
    barrier = threading.Barrier(8)

    def attempt(_: int) -> int | None:
        data = VisitCreate(
            client_id=cid, skill="redes", scheduled_start=utc(at(12)), scheduled_end=utc(at(13))
        )
        barrier.wait()
        try:
            with dbmod.session_scope() as db:
                return service.create_visit(db, data, None).operator_id
        except Conflict:
            return None

    with ThreadPoolExecutor(8) as pool:
        picked = list(pool.map(attempt, range(8)))
    winners = [p for p in picked if p is not None]
    assert sorted(winners) == sorted(o.id for o in pool_of), (backend.name, picked)


def test_concurrent_http_requests_for_one_slot(app, staff, backend, cid):
    """The same race through real HTTP requests on a uvicorn server (one 201, nine 409)."""
    headers = auth_header(staff.supervisor)
    body = {
        "client_id": cid,
        "operator_id": staff.operator2.id,
        "scheduled_start": at(16),
        "scheduled_end": at(17),
    }
    with serve_app(app) as base:
        barrier = threading.Barrier(10)

        def post(_: int) -> int:
            barrier.wait()
            return httpx.post(f"{base}{V}", json=body, headers=headers, timeout=60).status_code

        with ThreadPoolExecutor(10) as pool:
            codes = Counter(pool.map(post, range(10)))
    assert codes == {201: 1, 409: 9}, (backend.name, codes)
