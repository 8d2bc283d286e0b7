"""Tickets report: created, resolved and net per time bucket; a summary of times, SLA,
reopenings, CSAT, the backlog at the end and breakdowns by state, priority, category and client.

Without filters, over whole local days, it is read from the tickets roll-ups
(`from_rollups`); otherwise computed from the base tables (`from_base_tables`). Both return
(rows, summary); the columns are `COLUMNS`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.models import OPEN_STATES, Client, SlaStatus, Ticket, TicketPriority, TicketState
from uanl.reports.formats import Column
from uanl.reports.periods import (
    Period,
    as_bucket_date,
    bucket_expr,
    day_bucket,
    iter_buckets,
    p90_expr,
)
from uanl.reports.rollups import load
from uanl.reports.rollups.compute import first_response_seconds, plain, resolution_seconds
from uanl.reports.rollups.values import percentile_of_packed
from uanl.reports.summary.common import (
    BUCKET_COLUMN,
    TIME_BASIS,
    equals,
    in_period,
    names_of,
    ratio,
    rounded,
    when,
)

COLUMNS = [
    BUCKET_COLUMN,
    Column("created", "Creados", "Created", "int"),
    Column("resolved", "Resueltos", "Resolved", "int"),
    Column("net", "Neto (creados - resueltos)", "Net (created - resolved)", "int"),
]

Result = tuple[list[dict[str, Any]], dict[str, Any]]


def _ticket_filters(
    priority: list[TicketPriority] | None,
    category: str | None,
    client_id: int | None,
    assignee_id: int | None,
) -> list[ColumnElement[bool]]:
    conds = [Ticket.priority.in_(priority)] if priority else []
    return conds + equals(
        (Ticket.category, category),
        (Ticket.client_id, client_id),
        (Ticket.assignee_id, assignee_id),
    )


def _open_at(end: datetime) -> ColumnElement[bool]:
    """Created before `end` and not yet resolved, closed or cancelled at `end`.

    Reopening clears `resolved_at`; cancellation has no instant of its own, so `updated_at`
    stands in for it (a ticket touched after its cancellation may count as done later).
    """
    done = or_(
        Ticket.resolved_at < end,
        Ticket.closed_at < end,
        and_(Ticket.state == TicketState.cancelled, Ticket.updated_at < end),
    )
    # Not done at `end` implies one of these (each served by an index), since the lifecycle
    # stamps resolved_at/closed_at on the way in: it keeps the count off a full scan.
    candidates = or_(
        Ticket.state.in_(OPEN_STATES),
        Ticket.resolved_at >= end,
        Ticket.closed_at >= end,
        and_(Ticket.state == TicketState.cancelled, Ticket.updated_at >= end),
    )
    return and_(Ticket.created_at < end, candidates, not_(func.coalesce(done, False)))


def _backlog(db: Session, end: datetime, conds: list[ColumnElement[bool]]) -> int:
    return int(db.execute(select(func.count(Ticket.id)).where(*conds, _open_at(end))).scalar_one())


def _bucket_rows(
    period: Period, group_by: str, created: Mapping[date, int], resolved: Mapping[date, int]
) -> list[dict[str, Any]]:
    rows = []
    for b in iter_buckets(period, group_by):
        c, r = created.get(b, 0), resolved.get(b, 0)
        rows.append({"bucket": b, "created": c, "resolved": r, "net": c - r})
    return rows


def _breakdown(db: Session, key: Any, conds: list[ColumnElement[bool]]) -> list[tuple[Any, int]]:
    stmt: Select[Any] = select(key, func.count(Ticket.id)).where(*conds).group_by(key)
    return [(k, int(n)) for k, n in db.execute(stmt)]


def from_base_tables(
    db: Session,
    period: Period,
    group_by: str,
    *,
    priority: list[TicketPriority] | None,
    category: str | None,
    client_id: int | None,
    assignee_id: int | None,
) -> Result:
    base = _ticket_filters(priority, category, client_id, assignee_id)
    created_in = [*base, in_period(Ticket.created_at, period)]
    resolved_in = [*base, in_period(Ticket.resolved_at, period)]

    created_b = bucket_expr(db, Ticket.created_at, group_by, period.tz)
    resolved_b = bucket_expr(db, Ticket.resolved_at, group_by, period.tz)
    created = {as_bucket_date(k): n for k, n in _breakdown(db, created_b, created_in)}
    resolved = {as_bucket_date(k): n for k, n in _breakdown(db, resolved_b, resolved_in)}
    rows = _bucket_rows(period, group_by, created, resolved)

    n_created, n_reopened = db.execute(
        select(func.count(Ticket.id), func.count(when(Ticket.reopen_count > 0))).where(*created_in)
    ).one()
    rt = resolution_seconds(db)
    with_sla = Ticket.sla_status.is_not(None)
    n_resolved, avg_rt, p90_rt, sla_met, sla_total, csat_avg, csat_n = db.execute(
        select(
            func.count(Ticket.id),
            func.avg(rt),
            p90_expr(db, rt),
            func.count(when(Ticket.sla_status == SlaStatus.met)),
            func.count(when(with_sla)),
            func.avg(Ticket.csat_score),
            func.count(Ticket.csat_score),
        ).where(*resolved_in)
    ).one()
    frt = first_response_seconds(db)
    n_responded, avg_frt, p90_frt = db.execute(
        select(func.count(Ticket.id), func.avg(frt), p90_expr(db, frt)).where(
            *base, in_period(Ticket.first_responded_at, period)
        )
    ).one()
    backlog = _backlog(db, period.end, base)
    summary = _ticket_summary(
        (n_created, n_reopened),
        (n_resolved, avg_rt, p90_rt, sla_met, sla_total, csat_avg, csat_n),
        (n_responded, avg_frt, p90_frt),
        backlog,
        _breakdowns(
            db,
            _breakdown(db, Ticket.state, created_in),
            _breakdown(db, Ticket.priority, created_in),
            _breakdown(db, Ticket.category, created_in),
            _breakdown(db, Ticket.client_id, created_in),
        ),
    )
    return rows, summary


def _ticket_summary(
    created: tuple[int, int],
    resolved: tuple[int, Any, Any, int, int, Any, int],
    responded: tuple[int, Any, Any],
    backlog: int,
    breakdowns: dict[str, Any],
) -> dict[str, Any]:
    n_created, n_reopened = created
    n_resolved, avg_rt, p90_rt, sla_met, sla_total, csat_avg, csat_n = resolved
    n_responded, avg_frt, p90_frt = responded
    return {
        "created": int(n_created),
        "resolved": int(n_resolved),
        "backlog_at_end": int(backlog),
        "first_responses": int(n_responded),
        "avg_first_response_s": rounded(avg_frt),
        "p90_first_response_s": rounded(p90_frt),
        "avg_resolution_s": rounded(avg_rt),
        "p90_resolution_s": rounded(p90_rt),
        "sla_met": int(sla_met),
        "sla_with_target": int(sla_total),
        "sla_compliance": ratio(sla_met, sla_total),
        "reopened": int(n_reopened),
        "reopen_rate": ratio(n_reopened, n_created),
        "csat_responses": int(csat_n),
        "csat_avg": rounded(csat_avg),
        **breakdowns,
        "time_basis": TIME_BASIS,
    }


def _breakdowns(
    db: Session,
    states: Iterable[tuple[Any, int]],
    priorities: Iterable[tuple[Any, int]],
    categories: Iterable[tuple[Any, int]],
    clients: Iterable[tuple[Any, int]],
) -> dict[str, Any]:
    by_state = {s.value: 0 for s in TicketState}
    by_state.update({plain(k): n for k, n in states})
    by_priority = {p.value: 0 for p in TicketPriority}
    by_priority.update({plain(k): n for k, n in priorities})
    by_category = sorted(
        ({"category": k, "tickets": n} for k, n in categories),
        key=lambda d: (-d["tickets"], d["category"] or ""),
    )
    client_counts = list(clients)
    client_names = names_of(db, Client, (k for k, _ in client_counts))
    by_client = sorted(
        ({"client_id": k, "client": client_names.get(k), "tickets": n} for k, n in client_counts),
        key=lambda d: (-d["tickets"], d["client_id"] or 0),
    )
    return {
        "by_state": by_state,
        "by_priority": by_priority,
        "by_category": by_category,
        "by_client": by_client,
    }


def from_rollups(db: Session, period: Period, days: tuple[date, date], group_by: str) -> Result:
    docs = load(db, ["tickets_created", "tickets_resolved", "tickets_responded"], *days)
    created: Counter[date] = Counter()
    resolved: Counter[date] = Counter()
    totals: Counter[str] = Counter()
    breakdown: dict[str, Counter[Any]] = defaultdict(Counter)
    rt_lists: list[str] = []
    frt_lists: list[str] = []
    rt_sum = frt_sum = 0.0
    for (dataset, day, _key), doc in docs.items():
        bucket = day_bucket(day, group_by)
        if dataset == "tickets_created":
            created[bucket] += doc["n"]
            totals["created"] += doc["n"]
            totals["reopened"] += doc["reopened"]
            for name in ("state", "priority", "category", "client"):
                for k, n in doc[name]:
                    breakdown[name][k] += n
        elif dataset == "tickets_resolved":
            resolved[bucket] += doc["n"]
            for name in ("n", "sla_met", "sla_total", "csat_sum", "csat_n"):
                totals[f"resolved_{name}"] += doc[name]
            rt_lists.append(doc["rt"])
            rt_sum += doc["rt_sum"]
        else:
            totals["responded"] += doc["n"]
            frt_lists.append(doc["frt"])
            frt_sum += doc["frt_sum"]
    rows = _bucket_rows(period, group_by, created, resolved)
    n_rt, p90_rt = percentile_of_packed(rt_lists)
    n_frt, p90_frt = percentile_of_packed(frt_lists)
    backlog = _backlog(db, period.end, [])
    csat_n = totals["resolved_csat_n"]
    summary = _ticket_summary(
        (totals["created"], totals["reopened"]),
        (
            totals["resolved_n"],
            rt_sum / n_rt if n_rt else None,
            p90_rt,
            totals["resolved_sla_met"],
            totals["resolved_sla_total"],
            totals["resolved_csat_sum"] / csat_n if csat_n else None,
            csat_n,
        ),
        (
            totals["responded"],
            frt_sum / n_frt if n_frt else None,
            p90_frt,
        ),
        backlog,
        _breakdowns(
            db,
            breakdown["state"].items(),
            breakdown["priority"].items(),
            breakdown["category"].items(),
            breakdown["client"].items(),
        ),
    )
    return rows, summary
