"""Dashboards: /metrics and every chart on a hand-made dataset with exact numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.dashboards import cache as cachemod
from uanl.models import (
    Call,
    CallDirection,
    CallOutcome,
    Client,
    Operator,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    TicketPriority,
    TicketState,
    VisitState,
)

TZ = ZoneInfo("America/Monterrey")
BASE = "/api/v1/dashboards"


def local(day: date, hours: float) -> datetime:
    return (datetime.combine(day, time(0), tzinfo=TZ) + timedelta(hours=hours)).astimezone(UTC)


def today() -> date:
    return datetime.now(TZ).date()


def seed(staff: Any) -> dict[str, Any]:
    """5 tickets, 4 calls, 3 visits around today (local); see the expected numbers below."""
    d0 = today()
    d1 = d0 - timedelta(days=1)
    op1, op2 = staff.operator.id, staff.operator2.id
    with dbmod.session_scope() as db:
        db.execute(
            update(Operator)
            .where(Operator.id == op1)
            .values(is_available=True, max_open_tickets=10)
        )
        client = Client(name="Cliente Uno")
        db.add(client)
        db.flush()

        def ticket(created: datetime, **kw: Any) -> Ticket:
            t = Ticket(title="T", created_at=created, updated_at=created, **kw)
            db.add(t)
            return t

        t1 = local(d0, 1)
        ticket(
            t1,
            state=TicketState.new,
            priority=TicketPriority.high,
            sla_status=SlaStatus.at_risk,
            client_id=client.id,
        )
        t2 = local(d0, 2)
        ticket(
            t2,
            state=TicketState.in_progress,
            priority=TicketPriority.urgent,
            sla_status=SlaStatus.breached,
            assignee_id=op1,
            category="redes",
            first_responded_at=t2 + timedelta(seconds=600),
        )
        t3 = local(d0, 3)
        ticket(
            t3,
            state=TicketState.resolved,
            priority=TicketPriority.medium,
            assignee_id=op1,
            first_responded_at=t3 + timedelta(seconds=1200),
            resolved_at=t3 + timedelta(hours=2),
            resolution_due_at=t3 + timedelta(hours=4),
            csat_score=5,
            csat_submitted_at=local(d0, 6),
        )
        t4 = local(d1, 10)
        ticket(
            t4,
            state=TicketState.resolved,
            priority=TicketPriority.low,
            resolved_at=local(d0, 1),
            resolution_due_at=local(d1, 12),
            csat_score=3,
            csat_submitted_at=local(d0, 2),
        )
        ticket(
            local(d0 - timedelta(days=10), 9),
            state=TicketState.open,
            priority=TicketPriority.medium,
            sla_status=SlaStatus.on_track,
            assignee_id=op2,
        )

        def call(start: datetime, dur: int, outcome: CallOutcome, op: int | None) -> None:
            db.add(
                Call(
                    started_at=start,
                    duration_s=dur,
                    outcome=outcome,
                    operator_id=op,
                    direction=CallDirection.inbound,
                )
            )

        call(local(d0, 1), 300, CallOutcome.resolved, op1)
        call(local(d0, 2), 100, CallOutcome.abandoned, op2)
        call(local(d0, 3), 500, CallOutcome.ticket_created, op1)
        call(local(d1, 10), 60, CallOutcome.resolved, None)

        def visit(start: datetime, state: VisitState) -> None:
            db.add(
                ScheduledVisit(
                    client_id=client.id,
                    operator_id=op1,
                    scheduled_start=start,
                    scheduled_end=start + timedelta(hours=1),
                    state=state,
                )
            )

        visit(local(d0, 5), VisitState.scheduled)
        visit(local(d0, 6), VisitState.done)
        visit(local(d0 + timedelta(days=1), 1), VisitState.scheduled)
        client_id = client.id
    return {"d0": d0, "d1": d1, "op1": op1, "op2": op2, "client_id": client_id}


def test_metrics_today_and_period_exact(client, staff, op_h):
    s = seed(staff)
    body = client.get(f"{BASE}/metrics", headers=op_h).json()
    assert body["timezone"] == "America/Monterrey"
    assert body["period"]["from"] == body["period"]["to"] == s["d0"].isoformat()
    cur = body["current"]
    assert cur["open_tickets"] == 3
    assert cur["open_by_state"] == {"new": 1, "open": 1, "in_progress": 1, "waiting": 0}
    assert cur["backlog_by_priority"] == {"low": 0, "medium": 1, "high": 1, "urgent": 1}
    assert (cur["unassigned"], cur["at_risk"], cur["breached"]) == (1, 1, 1)
    ops = cur["operators"]
    assert ops["online"] == 3  # admin, supervisor (available by default) and Óscar
    oscar = next(p for p in ops["people"] if p["id"] == s["op1"])
    assert (oscar["open_tickets"], oscar["max_open_tickets"], oscar["load"]) == (1, 10, 0.1)
    assert ops["load"] == round(1 / 30, 4)

    t = body["today"]
    assert (t["new_tickets"], t["resolved_tickets"]) == (3, 2)
    assert t["sla"] == {"resolved_with_target": 2, "met": 1, "breached": 1, "compliance": 0.5}
    assert t["avg_first_response_s"] == 900.0
    assert t["avg_resolution_s"] == 30600.0
    assert t["calls"] == {
        "total": 3,
        "answered": 2,
        "abandoned": 1,
        "answer_rate": 0.6667,
        "avg_handle_time_s": 400.0,
    }
    assert t["visits"]["total"] == 2
    assert t["visits"]["by_state"]["scheduled"] == 1 and t["visits"]["by_state"]["done"] == 1
    assert t["csat"] == {"responses": 2, "average": 4.0}
    assert body["selected_period"] == t

    params = {"from": s["d1"].isoformat(), "to": s["d0"].isoformat()}
    p = client.get(f"{BASE}/metrics", params=params, headers=op_h).json()["selected_period"]
    assert (p["new_tickets"], p["resolved_tickets"]) == (4, 2)
    assert p["calls"]["total"] == 4 and p["calls"]["avg_handle_time_s"] == 286.7
    assert p["avg_first_response_s"] == 900.0


def test_metrics_bad_period_is_422(client, staff, op_h):
    r = client.get(f"{BASE}/metrics", params={"from": "2026-13-01"}, headers=op_h)
    assert_problem(r, 422, "from")


def _chart(client: Any, name: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get(f"{BASE}/charts/{name}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"name", "title", "labels", "series", "meta"}
    assert body["name"] == name and body["title"]
    for serie in body["series"]:
        assert len(serie["data"]) == len(body["labels"]), serie
    return body


def _series(body: dict[str, Any]) -> dict[str, list[Any]]:
    return {s["name"]: s["data"] for s in body["series"]}


def test_charts_numbers(client, staff, op_h):
    s = seed(staff)
    period = {"from": s["d1"].isoformat(), "to": s["d0"].isoformat()}
    days = [s["d1"].isoformat(), s["d0"].isoformat()]

    by_day = _chart(client, "tickets-by-day", op_h, **period)
    assert by_day["labels"] == days
    assert _series(by_day) == {"created": [1, 3], "resolved": [0, 2]}
    assert by_day["meta"]["period"]["from"] == s["d1"].isoformat()

    by_state = _chart(client, "tickets-by-state", op_h, **period)
    assert by_state["labels"] == [st.value for st in TicketState]
    assert _series(by_state) == {"tickets": [1, 0, 1, 0, 2, 0, 0]}

    by_prio = _chart(client, "tickets-by-priority", op_h, **period)
    assert by_prio["labels"] == ["low", "medium", "high", "urgent"]
    assert _series(by_prio) == {"tickets": [1, 1, 1, 1], "open": [0, 0, 1, 1]}

    heat = _chart(client, "calls-by-hour", op_h, **period)
    assert heat["labels"] == list(range(24)) and len(heat["series"]) == 7
    grid = [serie["data"] for serie in heat["series"]]
    wd0, wd1 = s["d0"].weekday(), s["d1"].weekday()
    assert grid[wd0][1] == grid[wd0][2] == grid[wd0][3] == 1
    assert grid[wd1][10] == 1
    assert sum(map(sum, grid)) == 4

    perf = _chart(client, "operator-performance", op_h, **period)
    assert perf["labels"] == ["Olga Operadora", "Óscar Operador"]
    assert perf["meta"]["operator_ids"] == [s["op2"], s["op1"]]
    assert _series(perf) == {
        "resolved": [0, 1],
        "open": [1, 1],
        "avg_resolution_h": [None, 2.0],
        "csat": [None, 5.0],
        "calls": [1, 2],
    }

    hist = _chart(client, "resolution-time-distribution", op_h, **period)
    assert hist["labels"][0] == "< 1 h" and len(hist["labels"]) == 7
    assert _series(hist) == {"tickets": [0, 1, 0, 1, 0, 0, 0]}

    trend = _chart(client, "sla-compliance-trend", op_h, **period)
    assert trend["labels"] == days
    assert _series(trend) == {"compliance": [None, 0.5], "met": [0, 1], "breached": [0, 1]}


def test_chart_filters(client, staff, op_h):
    s = seed(staff)
    period = {"from": s["d1"].isoformat(), "to": s["d0"].isoformat()}
    mine = _chart(client, "tickets-by-day", op_h, operator_id=s["op1"], **period)
    assert _series(mine) == {"created": [0, 2], "resolved": [0, 1]}
    assert mine["meta"]["filters"] == {"operator_id": s["op1"]}
    redes = _chart(client, "tickets-by-state", op_h, category="redes", **period)
    assert _series(redes) == {"tickets": [0, 0, 1, 0, 0, 0, 0]}
    of_client = _chart(client, "tickets-by-priority", op_h, client_id=s["client_id"], **period)
    assert _series(of_client)["tickets"] == [0, 0, 1, 0]
    calls = _chart(client, "calls-by-hour", op_h, operator_id=s["op1"], **period)
    assert sum(map(sum, (serie["data"] for serie in calls["series"]))) == 2
    # Default period: the last 30 local days, ending today.
    default = _chart(client, "tickets-by-day", op_h)
    assert len(default["labels"]) == 30 and default["labels"][-1] == s["d0"].isoformat()
    assert sum(_series(default)["created"]) == 5


def test_chart_list_and_unknown_name(client, staff, op_h):
    names = [c["name"] for c in client.get(f"{BASE}/charts", headers=op_h).json()]
    assert names == [
        "tickets-by-day",
        "tickets-by-state",
        "tickets-by-priority",
        "calls-by-hour",
        "operator-performance",
        "resolution-time-distribution",
        "sla-compliance-trend",
    ]
    body = assert_problem(client.get(f"{BASE}/charts/pie-of-doom", headers=op_h), 404)
    assert body["valid"] == names
    assert "tickets-by-day" in body["detail"]


def test_cache_is_fresh_after_events_and_never_older_than_5s(client, staff, op_h, monkeypatch):
    seed(staff)
    url = f"{BASE}/metrics"
    assert client.get(url, headers=op_h).json()["today"]["new_tickets"] == 3
    with dbmod.session_scope() as db:  # a write that publishes no event
        db.add(Ticket(title="Silencioso", created_at=datetime.now(UTC)))
    assert client.get(url, headers=op_h).json()["today"]["new_tickets"] == 3  # cached
    clock = cachemod._clock()
    monkeypatch.setattr(cachemod, "_clock", lambda: clock + cachemod.TTL_S + 0.1)
    assert client.get(url, headers=op_h).json()["today"]["new_tickets"] == 4
    # An event (ticket created through the API) invalidates at once.
    assert client.post("/api/v1/tickets", json={"title": "Nuevo"}, headers=op_h).status_code == 201
    assert client.get(url, headers=op_h).json()["today"]["new_tickets"] == 5


def test_real_time_snapshot_and_events(client, staff, op_h):
    seed(staff)
    created = client.post("/api/v1/tickets", json={"title": "En vivo"}, headers=op_h).json()
    body = client.get(f"{BASE}/real-time", headers=op_h).json()
    # Óscar is on shift, so the new ticket is assigned to him at once.
    assert created["assignee_id"] == staff.operator.id
    assert body["open_tickets"] == 4 and body["unassigned"] == 1
    assert (body["at_risk"], body["breached"], body["operators_online"]) == (1, 1, 3)
    assert body["open_by_state"]["new"] == 2
    kinds = [e["kind"] for e in body["events"]]
    assert {"ticket.created", "ticket.assigned", "metrics.delta"} <= set(kinds)
    ev = next(e for e in body["events"] if e["kind"] == "ticket.created")
    assert ev["data"]["id"] == created["id"]


@pytest.mark.parametrize("path", ["/metrics", "/charts", "/charts/tickets-by-day", "/real-time"])
def test_needs_a_token(client, path):
    assert_problem(client.get(BASE + path), 401)
