"""Summary reports read from the daily roll-ups equal the same reports computed from the base
tables, on both backends, and stay equal after every kind of write (insert, update that moves
a row to another day, delete) and after a change of time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update

from uanl.core import db as dbmod
from uanl.demo.seed import seed_database
from uanl.models import Call, ReportDirty, ReportRollup, Ticket, TicketState
from uanl.reports import rollups, summary
from uanl.reports.periods import parse_period

TZ = ZoneInfo("America/Monterrey")
TODAY = date(2026, 11, 26)


def _plain(result: summary.ReportResult) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [dict(r) for r in result.rows], dict(result.summary)


def _both(report: Any, period: Any, **kw: Any) -> tuple[Any, Any]:
    """(from roll-ups, from base tables) of one report."""
    with dbmod.session_scope() as db:
        fast = _plain(report(db, period, **kw))
    saved = summary._rollup_days
    summary._rollup_days = lambda *a, **k: None  # type: ignore[assignment]
    try:
        with dbmod.session_scope() as db:
            slow = _plain(report(db, period, **kw))
    finally:
        summary._rollup_days = saved  # type: ignore[assignment]
    return fast, slow


def _assert_same(fast: Any, slow: Any) -> None:
    fast_rows, fast_summary = fast
    slow_rows, slow_summary = slow
    assert fast_rows == slow_rows
    assert fast_summary == slow_summary


def _check_all(period: Any) -> None:
    for group_by in ("day", "week", "month"):
        _assert_same(*_both(summary.calls_report, period, group_by=group_by))
        _assert_same(*_both(summary.tickets_report, period, group_by=group_by))
    for rank_by in ("tickets_resolved", "avg_resolution_s"):
        _assert_same(*_both(summary.operators_report, period, rank_by=rank_by))


def _rollup_rows() -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(ReportRollup)) or 0)


def _dirty_rows() -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(ReportDirty)) or 0)


@pytest.fixture
def demo(app: Any) -> None:
    seed_database(tickets=300, seed=7, days=70, force=True, today=TODAY, calls_per_ticket=3)


def test_rollups_equal_base_tables_and_follow_every_write(demo: None) -> None:
    period = parse_period("2026-09-01", "2026-11-26", TZ)
    assert _dirty_rows() > 0  # the seed's inserts were logged by the triggers
    _check_all(period)
    assert _rollup_rows() > 0 and _dirty_rows() == 0  # built, and the log consumed

    with dbmod.session_scope() as db:
        call_id, ticket_id = (
            db.scalar(select(func.min(Call.id))),
            db.scalar(select(func.min(Ticket.id)).where(Ticket.resolved_at.is_not(None))),
        )
        moved = db.scalar(select(Ticket.id).where(Ticket.id != ticket_id).limit(1))
        # An update that moves a call to another day and changes its duration.
        db.execute(
            update(Call)
            .where(Call.id == call_id)
            .values(started_at=datetime(2026, 10, 3, 15, 0, tzinfo=UTC), duration_s=3599)
        )
        # A ticket resolved again on another day, with CSAT; another one deleted.
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                resolved_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC),
                csat_score=5,
                state=TicketState.resolved,
            )
        )
        db.execute(delete(Call).where(Call.ticket_id == moved))
        db.execute(delete(Ticket).where(Ticket.id == moved))
        # A new call late in the evening, local time (already the next day in UTC).
        db.add(
            Call(
                started_at=datetime(2026, 11, 25, 5, 30, tzinfo=UTC),
                duration_s=42,
                direction="inbound",
                outcome="abandoned",
            )
        )
    assert _dirty_rows() > 0
    _check_all(period)
    _check_all(parse_period("2026-10-15", "2026-11-02", TZ))


def test_partial_days_filters_and_other_groupings_use_the_base_tables(demo: None) -> None:
    # Not whole local days: computed from the base tables (and still right).
    period = parse_period("2026-11-01T10:00:00", "2026-11-20T15:30:00", TZ)
    assert rollups.whole_days(period) is None
    with dbmod.session_scope() as db:
        assert summary._rollup_days(db, period) is None
        whole = parse_period("2026-11-01", "2026-11-20", TZ)
        assert summary._rollup_days(db, whole) == (date(2026, 11, 1), date(2026, 11, 21))
        assert summary._rollup_days(db, whole, None, 3) is None  # a filter
    with dbmod.session_scope() as db:
        by_operator = summary.calls_report(db, whole, group_by="operator")
        total = sum(r["calls"] for r in by_operator.rows)
        assert total == summary.calls_report(db, whole).summary["calls"]


def _call_days(tz: ZoneInfo) -> dict[date, int]:
    with dbmod.session_scope() as db:
        rollups.ensure_fresh(db, tz)
    with dbmod.session_scope() as db:
        docs = rollups.load(db, ["calls"], date(2026, 1, 1), date(2027, 1, 1))
    return {day: doc["n"] for (_ds, day, _key), doc in docs.items()}


def test_a_new_time_zone_rebuilds_the_rollups(demo: None) -> None:
    local = _call_days(TZ)
    in_utc = _call_days(ZoneInfo("UTC"))
    assert local != in_utc  # evening calls in Monterrey fall on the next UTC day
    with dbmod.session_scope() as db:
        starts = [dbmod_utc(s) for s in db.scalars(select(Call.started_at))]
    expected: dict[date, int] = {}
    for moment in starts:
        expected[moment.date()] = expected.get(moment.date(), 0) + 1
    assert in_utc == expected
    assert sum(local.values()) == len(starts)


def dbmod_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def test_emptying_the_calls_table_forgets_their_rollups(demo: None, backend: Any) -> None:
    # PostgreSQL's TRUNCATE fires no row trigger (a statement trigger forgets the family);
    # SQLite has no TRUNCATE, and its DELETE without WHERE fires the row triggers.
    period = parse_period("2026-09-01", "2026-11-26", TZ)
    with dbmod.session_scope() as db:
        assert summary.calls_report(db, period).summary["calls"] > 0
    with dbmod.session_scope() as db:
        if backend.name == "postgres":
            db.execute(text("TRUNCATE calls"))
        else:
            db.execute(text("DELETE FROM calls"))
    with dbmod.session_scope() as db:
        assert summary.calls_report(db, period).summary["calls"] == 0
    _check_all(period)


def test_business_times_replace_wall_clock_where_an_sla_applied(demo: None) -> None:
    period = parse_period("2026-09-01", "2026-11-26", TZ)
    with dbmod.session_scope() as db:
        ids = db.scalars(
            select(Ticket.id).where(Ticket.resolved_at.is_not(None)).order_by(Ticket.id)
        ).all()[::3]
        db.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(resolution_business_s=1800.0, first_response_business_s=60.0)
        )
    fast, slow = _both(summary.tickets_report, period)
    _assert_same(fast, slow)
    _check_all(period)
    # The average is the mean of business seconds where stamped and wall-clock elsewhere.
    with dbmod.session_scope() as db:
        rows = db.execute(
            select(Ticket.created_at, Ticket.resolved_at, Ticket.resolution_business_s).where(
                Ticket.resolved_at >= period.start, Ticket.resolved_at < period.end
            )
        ).all()
    values = [
        b if b is not None else (dbmod_utc(r) - dbmod_utc(c)).total_seconds() for c, r, b in rows
    ]
    assert any(b is not None for _c, _r, b in rows)
    assert fast[1]["avg_resolution_s"] == pytest.approx(sum(values) / len(values), abs=0.01)


def test_a_first_build_recomputes_only_the_days_that_hold_data(app: Any) -> None:
    """A call dated 1900 beside one from today used to make the first build recompute every
    day in between (45,000 of them, seconds of work inside the first report request)."""
    with dbmod.session_scope() as db:
        for moment in (
            datetime(1900, 1, 1, 18, tzinfo=UTC),
            datetime(2026, 11, 26, 18, tzinfo=UTC),
        ):
            db.add(Call(direction="inbound", started_at=moment, duration_s=60, outcome="resolved"))
    assert rollups.refresh(TZ, ("calls",)) == {"calls": 2}
    with dbmod.session_scope() as db:
        docs = rollups.load(db, ["calls"], date(1899, 12, 1), date(2027, 1, 1))
    assert {day: doc["n"] for (_ds, day, _key), doc in docs.items()} == {
        date(1900, 1, 1): 1,
        date(2026, 11, 26): 1,
    }
