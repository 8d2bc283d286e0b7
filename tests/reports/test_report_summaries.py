"""Report numbers on a hand-made dataset; every expected figure is worked out here by hand.

America/Monterrey is UTC-6 all year (no DST since 2022), so local = UTC - 6 h. The period
is November 2026 (local), i.e. 2026-11-01 06:00Z .. 2026-12-01 06:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.core.errors import ValidationFailed
from uanl.models import (
    Call,
    CallDirection,
    CallOutcome,
    Client,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    TicketPriority,
    TicketState,
    VisitState,
)
from uanl.reports.periods import iter_buckets, local_bucket, parse_period, percentile

MTY = ZoneInfo("America/Monterrey")
NOV = "from=2026-11-01&to=2026-11-30"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def seed(staff: Any) -> dict[str, int]:
    op1, op2 = staff.operator.id, staff.operator2.id
    with dbmod.session_scope() as db:
        acme = Client(name="Cliente A")
        db.add(acme)
        db.flush()

        def ticket(created: datetime, **kw: Any) -> Ticket:
            kw.setdefault("updated_at", created)
            t = Ticket(title="T", created_at=created, **kw)
            db.add(t)
            db.flush()
            return t

        c1 = utc(2026, 11, 2, 16)
        t1 = ticket(
            c1,
            priority=TicketPriority.high,
            category="redes",
            client_id=acme.id,
            assignee_id=op1,
            assigned_at=c1,
            first_responded_at=c1 + timedelta(seconds=600),
            resolved_at=c1 + timedelta(days=1),
            state=TicketState.resolved,
            sla_status=SlaStatus.met,
            csat_score=5,
        )
        c2 = utc(2026, 11, 2, 3)  # local Nov 1, 21:00
        ticket(
            c2,
            priority=TicketPriority.medium,
            category="hardware",
            assignee_id=op2,
            first_responded_at=c2 + timedelta(seconds=1200),
            resolved_at=c2 + timedelta(seconds=7200),  # local Nov 1, 23:00
            closed_at=c2 + timedelta(hours=3),
            state=TicketState.closed,
            sla_status=SlaStatus.breached,
            csat_score=3,
            reopen_count=1,
        )
        c3 = utc(2026, 11, 5, 12)
        ticket(
            c3,
            priority=TicketPriority.high,
            category="redes",
            client_id=acme.id,
            assignee_id=op1,
            first_responded_at=c3 + timedelta(seconds=1800),
            state=TicketState.open,
            sla_status=SlaStatus.on_track,
        )
        c4 = utc(2026, 10, 20, 12)  # created before the period, resolved inside it
        ticket(
            c4,
            assignee_id=op1,
            assigned_at=c4,
            first_responded_at=c4 + timedelta(hours=1),
            resolved_at=utc(2026, 11, 20, 12),
            state=TicketState.resolved,
        )
        ticket(
            utc(2026, 11, 25, 12),
            priority=TicketPriority.low,
            state=TicketState.cancelled,
            updated_at=utc(2026, 11, 25, 13),
        )
        ticket(utc(2026, 12, 2, 12), state=TicketState.open)  # after the period
        ticket(  # resolved after the period: still backlog at its end
            utc(2026, 11, 28, 12),
            priority=TicketPriority.urgent,
            resolved_at=utc(2026, 12, 3, 12),
            state=TicketState.resolved,
        )

        def call(at: datetime, dur: int, outcome: CallOutcome, **kw: Any) -> None:
            kw.setdefault("direction", CallDirection.inbound)
            db.add(Call(started_at=at, duration_s=dur, outcome=outcome, **kw))

        call(utc(2026, 11, 2, 2), 100, CallOutcome.resolved, operator_id=op1, client_id=acme.id)
        call(utc(2026, 11, 2, 15), 200, CallOutcome.abandoned)
        call(utc(2026, 11, 2, 16), 300, CallOutcome.ticket_created, operator_id=op1)
        call(
            utc(2026, 11, 10, 18),
            400,
            CallOutcome.resolved,
            operator_id=op2,
            ticket_id=t1.id,
            direction=CallDirection.outbound,
        )
        call(utc(2026, 11, 1, 5), 999, CallOutcome.resolved, operator_id=op1)  # Oct 31 local
        call(utc(2026, 12, 1, 7), 999, CallOutcome.resolved, operator_id=op1)  # Dec 1 local

        def visit(start: datetime, state: VisitState, finished: datetime | None) -> None:
            db.add(
                ScheduledVisit(
                    client_id=acme.id,
                    operator_id=op1,
                    scheduled_start=start,
                    scheduled_end=start + timedelta(hours=1),
                    state=state,
                    finished_at=finished,
                )
            )

        visit(utc(2026, 11, 15, 16), VisitState.done, utc(2026, 11, 15, 17))
        visit(utc(2026, 10, 15, 16), VisitState.done, utc(2026, 10, 15, 17))
        visit(utc(2026, 11, 16, 16), VisitState.scheduled, None)
        return {"client": acme.id, "op1": op1, "op2": op2}


def get(client: Any, headers: dict[str, str], path: str) -> dict[str, Any]:
    resp = client.get(f"/api/v1/reports/{path}", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = resp.json()
    return body


# --- pure helpers ----------------------------------------------------------------------------


def test_percentile_matches_percentile_cont_definition() -> None:
    assert percentile([]) is None
    assert percentile([7]) == 7
    assert percentile([100, 200, 300, 400]) == pytest.approx(370)
    assert percentile([300, 200]) == pytest.approx(290)
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(9.1)
    assert percentile([10, 20, 30], 0.5) == 20


def test_parse_period_local_days_and_limits() -> None:
    p = parse_period("2026-11-01", "2026-11-30", MTY)
    assert p.start == utc(2026, 11, 1, 6)
    assert p.end == utc(2026, 12, 1, 6)
    p = parse_period("2026-11-01T00:00:00Z", "2026-11-02T12:00:00", MTY)
    assert (p.start, p.end) == (utc(2026, 11, 1), utc(2026, 11, 2, 18))
    p = parse_period("2026-11-01T10:00:00 02:00", "2026-11-01T12:00:00-06:00", MTY)
    assert (p.start, p.end) == (utc(2026, 11, 1, 8), utc(2026, 11, 1, 18))
    d = parse_period(None, None, MTY, now=utc(2026, 11, 26, 3))  # local Nov 25, 21:00
    assert d.end == utc(2026, 11, 26, 6) and d.start == utc(2026, 10, 27, 6)
    for args, field in (
        (("2026-11-30", "2026-11-01"), "to"),
        (("2025-01-01", "2026-11-30"), "to"),
        (("2026-13-01", "2026-11-30"), "from"),
        (("ayer", None), "from"),
    ):
        with pytest.raises(ValidationFailed) as err:
            parse_period(*args, MTY)
        assert err.value.errors and err.value.errors[0]["field"] == field


def test_local_buckets() -> None:
    at = utc(2026, 11, 2, 2)  # local Nov 1 (a Sunday), 20:00
    assert local_bucket(at, "day", MTY) == date(2026, 11, 1)
    assert local_bucket(at, "week", MTY) == date(2026, 10, 26)
    assert local_bucket(at, "month", MTY) == date(2026, 11, 1)
    p = parse_period("2026-11-01", "2026-11-30", MTY)
    assert len(list(iter_buckets(p, "day"))) == 30
    assert list(iter_buckets(p, "week"))[-1] == date(2026, 11, 30)
    assert list(iter_buckets(p, "month")) == [date(2026, 11, 1)]


# --- calls -----------------------------------------------------------------------------------


def test_calls_by_day_in_local_time(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    seed(staff)
    body = get(client, sup_h, f"calls?{NOV}&group_by=day")
    assert body["report"] == "calls" and body["timezone"] == "America/Monterrey"
    assert body["params"]["from"] == "2026-11-01" and body["params"]["group_by"] == "day"
    assert body["summary"] == {
        "calls": 4,
        "total_duration_s": 1000,
        "avg_duration_s": 250.0,
        "p90_duration_s": 370.0,
        "answered": 3,
        "abandoned": 1,
        "answer_rate": 0.75,
        "abandon_rate": 0.25,
        "became_tickets": 2,
    }
    rows = {r["bucket"]: r for r in body["rows"]}
    assert len(body["rows"]) == 30 and body["rows"][0]["bucket"] == "2026-11-01"
    assert rows["2026-11-01"]["calls"] == 1 and rows["2026-11-01"]["p90_duration_s"] == 100
    nov2 = rows["2026-11-02"]
    assert (nov2["calls"], nov2["total_duration_s"], nov2["p90_duration_s"]) == (2, 500, 290.0)
    assert (nov2["abandon_rate"], nov2["answer_rate"], nov2["became_tickets"]) == (0.5, 0.5, 1)
    assert rows["2026-11-10"]["became_tickets"] == 1
    assert rows["2026-11-03"]["calls"] == 0 and rows["2026-11-03"]["answer_rate"] is None
    assert sum(r["calls"] for r in body["rows"]) == 4


def test_calls_by_week_month_and_groups(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = seed(staff)
    weeks = get(client, sup_h, f"calls?{NOV}&group_by=week")["rows"]
    assert [(r["bucket"], r["calls"]) for r in weeks] == [
        ("2026-10-26", 1),
        ("2026-11-02", 2),
        ("2026-11-09", 1),
        ("2026-11-16", 0),
        ("2026-11-23", 0),
        ("2026-11-30", 0),
    ]
    months = get(client, sup_h, f"calls?{NOV}&group_by=month")["rows"]
    assert [(r["bucket"], r["calls"], r["p90_duration_s"]) for r in months] == [
        ("2026-11-01", 4, 370.0)
    ]
    by_op = get(client, sup_h, f"calls?{NOV}&group_by=operator")["rows"]
    first = by_op[0]
    assert (first["key"], first["name"], first["calls"]) == (ids["op1"], "Óscar Operador", 2)
    assert (first["avg_duration_s"], first["p90_duration_s"]) == (200.0, 280.0)
    assert {r["key"]: r["calls"] for r in by_op} == {ids["op1"]: 2, ids["op2"]: 1, None: 1}
    outcomes = get(client, sup_h, f"calls?{NOV}&group_by=outcome")["rows"]
    assert {r["key"]: r["calls"] for r in outcomes} == {
        "resolved": 2,
        "abandoned": 1,
        "ticket_created": 1,
    }
    direction = get(client, sup_h, f"calls?{NOV}&group_by=direction&direction=outbound")
    assert [(r["key"], r["calls"]) for r in direction["rows"]] == [("outbound", 1)]
    only = get(client, sup_h, f"calls?{NOV}&operator_id={ids['op1']}&group_by=month")
    assert only["summary"]["calls"] == 2 and only["summary"]["abandon_rate"] == 0.0
    by_client = get(client, sup_h, f"calls?{NOV}&group_by=client&client_id={ids['client']}")
    assert [(r["name"], r["calls"]) for r in by_client["rows"]] == [("Cliente A", 1)]


# --- tickets ---------------------------------------------------------------------------------


def test_tickets_report_numbers(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    seed(staff)
    body = get(client, sup_h, f"tickets?{NOV}&group_by=day")
    s = body["summary"]
    assert (s["created"], s["resolved"], s["backlog_at_end"]) == (5, 3, 2)
    assert (s["first_responses"], s["avg_first_response_s"], s["p90_first_response_s"]) == (
        3,
        1200.0,
        1680.0,
    )
    assert (s["avg_resolution_s"], s["p90_resolution_s"]) == (924000.0, 2160000.0)
    assert (s["sla_met"], s["sla_with_target"], s["sla_compliance"]) == (1, 2, 0.5)
    assert (s["reopened"], s["reopen_rate"]) == (1, 0.2)
    assert (s["csat_responses"], s["csat_avg"]) == (2, 4.0)
    assert s["time_basis"] == "sla_business_seconds_else_wall_clock"
    assert s["by_state"] == {
        "new": 0,
        "open": 1,
        "in_progress": 0,
        "waiting": 0,
        "resolved": 2,
        "closed": 1,
        "cancelled": 1,
    }
    assert s["by_priority"] == {"low": 1, "medium": 1, "high": 2, "urgent": 1}
    assert {d["category"]: d["tickets"] for d in s["by_category"]} == {
        "redes": 2,
        "hardware": 1,
        None: 2,
    }
    assert {d["client"]: d["tickets"] for d in s["by_client"]} == {"Cliente A": 2, None: 3}
    rows = {r["bucket"]: (r["created"], r["resolved"], r["net"]) for r in body["rows"]}
    assert len(rows) == 30
    assert rows["2026-11-01"] == (1, 1, 0)
    assert rows["2026-11-02"] == (1, 0, 1)
    assert rows["2026-11-03"] == (0, 1, -1)
    assert rows["2026-11-05"] == (1, 0, 1)
    assert rows["2026-11-20"] == (0, 1, -1)
    assert rows["2026-11-25"] == (1, 0, 1) and rows["2026-11-28"] == (1, 0, 1)
    assert "wall-clock" in body["notes"]


def test_tickets_report_filters(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = seed(staff)
    high = get(client, sup_h, f"tickets?{NOV}&priority=high&group_by=month")
    assert high["summary"]["created"] == 2 and high["summary"]["backlog_at_end"] == 1
    assert high["rows"] == [{"bucket": "2026-11-01", "created": 2, "resolved": 1, "net": 1}]
    mine = get(client, sup_h, f"tickets?{NOV}&assignee_id={ids['op1']}&group_by=week")
    assert (mine["summary"]["resolved"], mine["summary"]["avg_resolution_s"]) == (2, 1382400.0)
    cat = get(client, sup_h, f"tickets?{NOV}&category=hardware&client_id={ids['client']}")
    assert cat["summary"]["created"] == 0 and cat["summary"]["sla_compliance"] is None


# --- operators -------------------------------------------------------------------------------


def test_operators_report_and_ranking(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = seed(staff)
    body = get(client, sup_h, f"operators?{NOV}")
    rows = body["rows"]
    assert [r["operator_id"] for r in rows] == [ids["op1"], ids["op2"], staff.supervisor.id]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    op1, op2, sup = rows
    assert op1 == {
        "rank": 1,
        "operator_id": ids["op1"],
        "name": "Óscar Operador",
        "role": "operator",
        "tickets_assigned": 2,
        "tickets_resolved": 2,
        "open_now": 1,
        "avg_first_response_s": 1200.0,
        "avg_resolution_s": 1382400.0,
        "sla_compliance": 1.0,
        "csat_avg": 5.0,
        "calls_handled": 2,
        "avg_handle_time_s": 200.0,
        "visits_done": 1,
    }
    assert (op2["tickets_assigned"], op2["tickets_resolved"], op2["open_now"]) == (1, 1, 0)
    assert (op2["avg_first_response_s"], op2["avg_resolution_s"]) == (1200.0, 7200.0)
    assert (op2["sla_compliance"], op2["csat_avg"]) == (0.0, 3.0)
    assert (op2["calls_handled"], op2["avg_handle_time_s"], op2["visits_done"]) == (1, 400.0, 0)
    assert sup["tickets_assigned"] == 0 and sup["avg_resolution_s"] is None
    assert body["summary"]["tickets_resolved"] == 3 and body["summary"]["operators"] == 3

    fastest = get(client, sup_h, f"operators?{NOV}&rank_by=avg_resolution_s")["rows"]
    assert [r["operator_id"] for r in fastest] == [ids["op2"], ids["op1"], staff.supervisor.id]
    calls = get(client, sup_h, f"operators?{NOV}&rank_by=calls_handled&role=operator")["rows"]
    assert [r["operator_id"] for r in calls] == [ids["op1"], ids["op2"]]


# --- validation and access -------------------------------------------------------------------


def test_report_validation_and_roles(
    client: Any, staff: Any, sup_h: dict[str, str], admin_h: dict[str, str], op_h: dict[str, str]
) -> None:
    base = "/api/v1/reports"
    assert_problem(client.get(f"{base}/tickets?{NOV}", headers=op_h), 403)
    assert_problem(client.get(f"{base}/tickets?{NOV}"), 401)
    assert client.get(f"{base}/operators?{NOV}", headers=admin_h).status_code == 200
    bad = client.get(f"{base}/calls?from=2026-11-30&to=2026-11-01", headers=sup_h)
    assert_problem(bad, 422, "to")
    long = client.get(f"{base}/tickets?from=2025-01-01&to=2026-11-30", headers=sup_h)
    assert_problem(long, 422, "to")
    assert_problem(client.get(f"{base}/calls?from=noviembre", headers=sup_h), 422, "from")
    assert_problem(client.get(f"{base}/calls?{NOV}&group_by=year", headers=sup_h), 422)
    assert_problem(client.get(f"{base}/tickets?{NOV}&group_by=operator", headers=sup_h), 422)
    assert_problem(client.get(f"{base}/operators?{NOV}&rank_by=salary", headers=sup_h), 422)
    assert_problem(client.get(f"{base}/calls?{NOV}&format=pdf", headers=sup_h), 422)
    default = client.get(f"{base}/calls", headers=sup_h)  # default period: last 30 days
    assert default.status_code == 200 and len(default.json()["rows"]) == 30


# --- the short-lived cache -------------------------------------------------------------------


def test_repeated_reports_come_from_the_cache_until_no_cache(
    client: Any, staff: Any, sup_h: dict[str, str], settings: Any, monkeypatch: Any
) -> None:
    from uanl.reports import cache

    monkeypatch.setattr(settings, "report_cache_seconds", 60)
    cache.clear()
    try:
        seed(staff)
        first = client.get(f"/api/v1/reports/calls?{NOV}", headers=sup_h)
        assert first.headers["x-report-cache"] == "miss"
        with dbmod.session_scope() as db:  # a new call after the report was computed
            db.add(
                Call(
                    direction=CallDirection.inbound,
                    outcome=CallOutcome.resolved,
                    started_at=datetime(2026, 11, 5, 18, tzinfo=UTC),
                    duration_s=60,
                )
            )
        again = client.get(f"/api/v1/reports/calls?{NOV}", headers=sup_h)
        assert again.headers["x-report-cache"].startswith("hit; age=")
        assert again.json()["summary"] == first.json()["summary"]  # at most 60 s old
        other = client.get(f"/api/v1/reports/calls?{NOV}&group_by=week", headers=sup_h)
        assert other.headers["x-report-cache"] == "miss"  # another question, computed
        fresh = client.get(
            f"/api/v1/reports/calls?{NOV}", headers={**sup_h, "Cache-Control": "no-cache"}
        )
        assert fresh.headers["x-report-cache"] == "miss"
        assert fresh.json()["summary"]["calls"] == first.json()["summary"]["calls"] + 1
        csv = client.get(f"/api/v1/reports/calls?{NOV}&format=csv", headers=sup_h)
        assert csv.headers["x-report-cache"].startswith("hit")  # same numbers, other format
        assert csv.status_code == 200 and csv.text.count("\n") > 30
    finally:
        cache.clear()
