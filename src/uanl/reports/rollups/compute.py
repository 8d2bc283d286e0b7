"""The roll-up documents of a span of local days, computed from the base tables.

One or two queries per dataset over the whole span (a list of [start, end) instants, each a
run of local days); `uanl.reports.rollups` replaces the stored documents with them. The SQL
for ticket times is shared with the summary reports' base-table path.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from uanl.core.sqltime import seconds_between
from uanl.models import Call, CallOutcome, SlaStatus, Ticket
from uanl.reports.periods import as_bucket_date, bucket_expr
from uanl.reports.rollups.values import pack_times

Docs = dict[tuple[str, date, int], dict[str, Any]]
Spans = list[tuple[datetime, datetime]]


def resolution_seconds(db: Session) -> Any:
    """Time to resolve: SLA business seconds where a policy applied, else wall-clock."""
    wall = seconds_between(db, Ticket.created_at, Ticket.resolved_at)
    return func.coalesce(Ticket.resolution_business_s, wall)


def first_response_seconds(db: Session) -> Any:
    """Time to the first response: SLA business seconds where a policy applied, else wall."""
    wall = seconds_between(db, Ticket.created_at, Ticket.first_responded_at)
    return func.coalesce(Ticket.first_response_business_s, wall)


def _in(column: Any, spans: Spans) -> Any:
    """The instant lies in one of the [lo, hi) spans (an index range scan each)."""
    return or_(*(and_(column >= lo, column < hi) for lo, hi in spans))


def plain(value: Any) -> Any:
    """An enum member's value; anything else as it is."""
    return value.value if hasattr(value, "value") else value


def _calls_docs(db: Session, tz: ZoneInfo, spans: Spans) -> Docs:
    day = bucket_expr(db, Call.started_at, "day", tz)
    span = _in(Call.started_at, spans)
    docs: Docs = {}
    abandoned = Call.outcome == CallOutcome.abandoned
    to_ticket = or_(Call.ticket_id.is_not(None), Call.outcome == CallOutcome.ticket_created)
    # One pass: the exact distribution of durations per day (distinct values "v", ascending,
    # and their counts "c"), which also gives the day's count and duration sum.
    stmt = (
        select(
            day,
            Call.duration_s,
            func.count(Call.id),
            func.count(case((abandoned, 1))),
            func.count(case((to_ticket, 1))),
        )
        .where(span)
        .group_by(day, Call.duration_s)
        .order_by(day, Call.duration_s)
    )
    for d, value, n, n_abandoned, n_ticket in db.execute(stmt):
        doc = docs.setdefault(
            ("calls", as_bucket_date(d), 0),
            {"n": 0, "dur_sum": 0, "abandoned": 0, "to_ticket": 0, "v": [], "c": []},
        )
        doc["n"] += int(n)
        doc["dur_sum"] += int(value) * int(n)
        doc["abandoned"] += int(n_abandoned)
        doc["to_ticket"] += int(n_ticket)
        doc["v"].append(int(value))
        doc["c"].append(int(n))
    handled = (
        select(day, Call.operator_id, func.count(Call.id), func.sum(Call.duration_s))
        .where(span, Call.operator_id.is_not(None), Call.outcome != CallOutcome.abandoned)
        .group_by(day, Call.operator_id)
    )
    for d, op_id, n, total in db.execute(handled):
        docs[("calls_op", as_bucket_date(d), int(op_id))] = {
            "handled": int(n),
            "dur_sum": int(total or 0),
        }
    return docs


def _op_doc(docs: Docs, day: date, op_id: int) -> dict[str, Any]:
    return docs.setdefault(
        ("ops", day, int(op_id)),
        {
            "assigned": 0,
            "resolved": 0,
            "rt_sum": 0.0,
            "rt_n": 0,
            "frt_sum": 0.0,
            "frt_n": 0,
            "sla_met": 0,
            "sla_total": 0,
            "csat_sum": 0,
            "csat_n": 0,
        },
    )


def _created_docs(db: Session, tz: ZoneInfo, spans: Spans, docs: Docs) -> None:
    """Tickets created each day: counts by state, priority, category and client."""
    day = bucket_expr(db, Ticket.created_at, "day", tz)
    keys = (Ticket.state, Ticket.priority, Ticket.category, Ticket.client_id)
    stmt = (
        select(day, *keys, func.count(Ticket.id), func.count(case((Ticket.reopen_count > 0, 1))))
        .where(_in(Ticket.created_at, spans))
        .group_by(day, *keys)
    )
    counters: dict[date, dict[str, dict[Any, int]]] = {}
    for d, state, priority, category, client_id, n, reopened in db.execute(stmt):
        local = as_bucket_date(d)
        doc = docs.setdefault(("tickets_created", local, 0), {"n": 0, "reopened": 0})
        doc["n"] += int(n)
        doc["reopened"] += int(reopened)
        by = counters.setdefault(
            local, {k: {} for k in ("state", "priority", "category", "client")}
        )
        for name, value in (
            ("state", plain(state)),
            ("priority", plain(priority)),
            ("category", category),
            ("client", client_id),
        ):
            by[name][value] = by[name].get(value, 0) + int(n)
    for local, by in counters.items():
        doc = docs[("tickets_created", local, 0)]
        for name, counts in by.items():
            doc[name] = [[k, n] for k, n in counts.items()]


def _resolved_docs(db: Session, tz: ZoneInfo, spans: Spans, docs: Docs) -> None:
    """Tickets resolved each day, one row each: counts, sorted times, and per assignee."""
    day = bucket_expr(db, Ticket.resolved_at, "day", tz)
    rt = resolution_seconds(db)
    stmt = select(day, rt, Ticket.sla_status, Ticket.csat_score, Ticket.assignee_id).where(
        _in(Ticket.resolved_at, spans)
    )
    times: dict[date, list[float]] = defaultdict(list)
    for d, value, sla, csat, op_id in db.execute(stmt):
        local = as_bucket_date(d)
        doc = docs.setdefault(
            ("tickets_resolved", local, 0),
            {"n": 0, "sla_met": 0, "sla_total": 0, "csat_sum": 0, "csat_n": 0},
        )
        ops = _op_doc(docs, local, op_id) if op_id is not None else None
        met = int(sla == SlaStatus.met)
        with_sla = int(sla is not None)
        doc["n"] += 1
        doc["sla_met"] += met
        doc["sla_total"] += with_sla
        if ops is not None:
            ops["resolved"] += 1
            ops["sla_met"] += met
            ops["sla_total"] += with_sla
        if csat is not None:
            doc["csat_sum"] += int(csat)
            doc["csat_n"] += 1
            if ops is not None:
                ops["csat_sum"] += int(csat)
                ops["csat_n"] += 1
        if value is not None:
            times[local].append(float(value))
            if ops is not None:
                ops["rt_sum"] += float(value)
                ops["rt_n"] += 1
    for (dataset, local, _key), doc in docs.items():
        if dataset == "tickets_resolved":
            values = sorted(times.get(local, []))
            doc["rt_sum"] = sum(values)
            doc["rt"] = pack_times(values)


def _responded_docs(db: Session, tz: ZoneInfo, spans: Spans, docs: Docs) -> None:
    """Tickets first answered each day: sorted times, and per assignee."""
    day = bucket_expr(db, Ticket.first_responded_at, "day", tz)
    frt = first_response_seconds(db)
    stmt = select(day, frt, Ticket.assignee_id).where(_in(Ticket.first_responded_at, spans))
    counts: dict[date, int] = defaultdict(int)
    times: dict[date, list[float]] = defaultdict(list)
    for d, value, op_id in db.execute(stmt):
        local = as_bucket_date(d)
        counts[local] += 1
        if value is None:
            continue
        times[local].append(float(value))
        if op_id is not None:
            ops = _op_doc(docs, local, op_id)
            ops["frt_sum"] += float(value)
            ops["frt_n"] += 1
    for local, n in counts.items():
        values = sorted(times.get(local, []))
        docs[("tickets_responded", local, 0)] = {
            "n": n,
            "frt_sum": sum(values),
            "frt": pack_times(values),
        }


def _tickets_docs(db: Session, tz: ZoneInfo, spans: Spans) -> Docs:
    docs: Docs = {}
    _created_docs(db, tz, spans, docs)
    _resolved_docs(db, tz, spans, docs)
    _responded_docs(db, tz, spans, docs)
    # Assignments per operator (the ticket's current assignee) on the day of
    # coalesce(assigned_at, created_at), as two indexable halves.
    has_op = Ticket.assignee_id.is_not(None)
    for instant, extra in (
        (Ticket.assigned_at, []),
        (Ticket.created_at, [Ticket.assigned_at.is_(None)]),
    ):
        assigned_day = bucket_expr(db, instant, "day", tz)
        stmt = (
            select(assigned_day, Ticket.assignee_id, func.count(Ticket.id))
            .where(has_op, _in(instant, spans), *extra)
            .group_by(assigned_day, Ticket.assignee_id)
        )
        for d, op_id, n in db.execute(stmt):
            _op_doc(docs, as_bucket_date(d), op_id)["assigned"] += int(n)
    return docs


COMPUTE = {"calls": _calls_docs, "tickets": _tickets_docs}
