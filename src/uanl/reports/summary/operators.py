"""Operators report: per active operator, tickets assigned / resolved / open, response and
resolution times, SLA, CSAT, calls handled and visits done, ranked by one of RANK_METRICS.

The ticket and call figures come from the roll-ups (`stats_from_rollups`, whole local days)
or from the base tables (`stats_from_base_tables`); `rank` adds the visits and ranks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from uanl.models import (
    OPEN_STATES,
    Call,
    CallOutcome,
    Operator,
    Role,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    VisitState,
)
from uanl.reports.formats import Column
from uanl.reports.periods import Period
from uanl.reports.rollups import load
from uanl.reports.rollups.compute import first_response_seconds, resolution_seconds
from uanl.reports.summary.common import TIME_BASIS, in_period, ratio, rounded, when

COLUMNS = [
    Column("rank", "Posición", "Rank", "int"),
    Column("operator_id", "ID operador", "Operator ID", "int"),
    Column("name", "Nombre", "Name", "text"),
    Column("role", "Rol", "Role", "text"),
    Column("tickets_assigned", "Tickets asignados", "Tickets assigned", "int"),
    Column("tickets_resolved", "Tickets resueltos", "Tickets resolved", "int"),
    Column("open_now", "Abiertos ahora", "Open now", "int"),
    Column(
        "avg_first_response_s",
        "Primera respuesta promedio (s)",
        "Average first response (s)",
        "duration_s",
    ),
    Column("avg_resolution_s", "Resolución promedio (s)", "Average resolution (s)", "duration_s"),
    Column("sla_compliance", "Cumplimiento SLA", "SLA met", "percent"),
    Column("csat_avg", "CSAT promedio", "CSAT average", "float"),
    Column("calls_handled", "Llamadas atendidas", "Calls handled", "int"),
    Column(
        "avg_handle_time_s", "Tiempo medio de atención (s)", "Average handle time (s)", "duration_s"
    ),
    Column("visits_done", "Visitas realizadas", "Visits done", "int"),
]
# Lower is better for times; higher for everything else.
RANK_METRICS: dict[str, bool] = {
    "tickets_assigned": True,
    "tickets_resolved": True,
    "open_now": True,
    "avg_first_response_s": False,
    "avg_resolution_s": False,
    "sla_compliance": True,
    "csat_avg": True,
    "calls_handled": True,
    "avg_handle_time_s": False,
    "visits_done": True,
}


# (ticket figures by operator id, (calls handled, their mean duration) by operator id)
Stats = tuple[dict[int, dict[str, Any]], dict[int, tuple[int, Any]]]


def active_operators(db: Session, role: Role | None) -> Sequence[Row[int, str, Role]]:
    """(id, name, role) of the active operators of `role` (operators and supervisors if None)."""
    roles = [role] if role else [Role.operator, Role.supervisor]
    return db.execute(
        select(Operator.id, Operator.name, Operator.role)
        .where(Operator.is_active.is_(True), Operator.role.in_(roles))
        .order_by(Operator.id)
    ).all()


def _ticket_stats(db: Session, period: Period) -> dict[int, dict[str, Any]]:
    assigned_in = in_period(func.coalesce(Ticket.assigned_at, Ticket.created_at), period)
    resolved_in = in_period(Ticket.resolved_at, period)
    responded_in = in_period(Ticket.first_responded_at, period)
    is_open = Ticket.state.in_(OPEN_STATES)
    frt = first_response_seconds(db)
    rt = resolution_seconds(db)
    stmt = (
        select(
            Ticket.assignee_id,
            func.count(when(assigned_in)),
            func.count(when(resolved_in)),
            func.count(when(is_open)),
            func.avg(when(responded_in, frt)),
            func.avg(when(resolved_in, rt)),
            func.count(when(and_(resolved_in, Ticket.sla_status == SlaStatus.met))),
            func.count(when(and_(resolved_in, Ticket.sla_status.is_not(None)))),
            func.avg(when(resolved_in, Ticket.csat_score)),
        )
        .where(
            Ticket.assignee_id.is_not(None),
            or_(assigned_in, resolved_in, responded_in, is_open),
        )
        .group_by(Ticket.assignee_id)
    )
    out: dict[int, dict[str, Any]] = {}
    for op_id, assigned, resolved, open_now, afrt, art, met, with_sla, csat in db.execute(stmt):
        out[op_id] = {
            "tickets_assigned": int(assigned),
            "tickets_resolved": int(resolved),
            "open_now": int(open_now),
            "avg_first_response_s": rounded(afrt),
            "avg_resolution_s": rounded(art),
            "sla_compliance": ratio(met, with_sla),
            "csat_avg": rounded(csat),
        }
    return out


def stats_from_base_tables(db: Session, period: Period) -> Stats:
    tickets = _ticket_stats(db, period)
    handled = Call.outcome != CallOutcome.abandoned
    calls = {
        op_id: (int(n), avg)
        for op_id, n, avg in db.execute(
            select(Call.operator_id, func.count(Call.id), func.avg(Call.duration_s))
            .where(Call.operator_id.is_not(None), handled, in_period(Call.started_at, period))
            .group_by(Call.operator_id)
        )
    }
    return tickets, calls


def _open_now(db: Session) -> dict[int, int]:
    stmt = (
        select(Ticket.assignee_id, func.count(Ticket.id))
        .where(Ticket.assignee_id.is_not(None), Ticket.state.in_(OPEN_STATES))
        .group_by(Ticket.assignee_id)
    )
    return {int(op_id or 0): int(n) for op_id, n in db.execute(stmt)}


def stats_from_rollups(db: Session, days: tuple[date, date]) -> Stats:
    docs = load(db, ["ops", "calls_op"], *days)
    ops: dict[int, Counter[str]] = defaultdict(Counter)
    handled: dict[int, Counter[str]] = defaultdict(Counter)
    for (dataset, _day, op_id), doc in docs.items():
        (ops if dataset == "ops" else handled)[op_id].update(doc)
    open_now = _open_now(db)
    tickets: dict[int, dict[str, Any]] = {}
    for op_id in set(ops) | set(open_now):
        t = ops.get(op_id, Counter())
        tickets[op_id] = {
            "tickets_assigned": int(t["assigned"]),
            "tickets_resolved": int(t["resolved"]),
            "open_now": open_now.get(op_id, 0),
            "avg_first_response_s": rounded(t["frt_sum"] / t["frt_n"]) if t["frt_n"] else None,
            "avg_resolution_s": rounded(t["rt_sum"] / t["rt_n"]) if t["rt_n"] else None,
            "sla_compliance": ratio(t["sla_met"], t["sla_total"]),
            "csat_avg": rounded(t["csat_sum"] / t["csat_n"]) if t["csat_n"] else None,
        }
    calls = {
        op_id: (int(c["handled"]), c["dur_sum"] / c["handled"] if c["handled"] else None)
        for op_id, c in handled.items()
    }
    return tickets, calls


def _rank_key(metric: str, row: dict[str, Any]) -> tuple[int, float, int]:
    value = row.get(metric)
    if value is None:
        return (1, 0.0, row["operator_id"])
    signed = -float(value) if RANK_METRICS[metric] else float(value)
    return (0, signed, row["operator_id"])


def rank(
    db: Session,
    period: Period,
    operators: Sequence[Row[int, str, Role]],
    stats: Stats,
    rank_by: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(rows ranked by `rank_by`, summary) of `operators` with their figures and visits."""
    tickets, calls = stats
    visit_at = func.coalesce(ScheduledVisit.finished_at, ScheduledVisit.scheduled_start)
    visit_stmt = (
        select(ScheduledVisit.operator_id, func.count(ScheduledVisit.id))
        .where(ScheduledVisit.state == VisitState.done, in_period(visit_at, period))
        .group_by(ScheduledVisit.operator_id)
    )
    visits = {row[0]: int(row[1]) for row in db.execute(visit_stmt)}
    empty_tickets = {
        "tickets_assigned": 0,
        "tickets_resolved": 0,
        "open_now": 0,
        "avg_first_response_s": None,
        "avg_resolution_s": None,
        "sla_compliance": None,
        "csat_avg": None,
    }
    rows: list[dict[str, Any]] = []
    for op_id, name, op_role in operators:
        n_calls, aht = calls.get(op_id, (0, None))
        rows.append(
            {
                "operator_id": op_id,
                "name": name,
                "role": op_role.value,
                **tickets.get(op_id, empty_tickets),
                "calls_handled": n_calls,
                "avg_handle_time_s": rounded(aht),
                "visits_done": int(visits.get(op_id, 0)),
            }
        )
    rows.sort(key=lambda row: _rank_key(rank_by, row))
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    summary = {
        "operators": len(rows),
        "rank_by": rank_by,
        "tickets_assigned": sum(r["tickets_assigned"] for r in rows),
        "tickets_resolved": sum(r["tickets_resolved"] for r in rows),
        "open_now": sum(r["open_now"] for r in rows),
        "calls_handled": sum(r["calls_handled"] for r in rows),
        "visits_done": sum(r["visits_done"] for r in rows),
        "time_basis": TIME_BASIS,
    }
    return rows, summary
