"""Summary reports (calls, tickets, operators): GROUP BY in the database, a few queries each.

Every function returns `ReportResult(columns, rows, summary, meta)`. Rows are aggregates (one
per bucket, group or operator), so they are few and already computed when streaming starts.
Times are wall-clock seconds between instants (business hours are a future improvement).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.models import (
    OPEN_STATES,
    Call,
    CallDirection,
    CallOutcome,
    Client,
    Operator,
    Role,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    TicketPriority,
    TicketState,
    VisitState,
)
from uanl.reports import rollups
from uanl.reports.formats import Column, ReportMeta
from uanl.reports.periods import (
    TIME_UNITS,
    Period,
    as_bucket_date,
    bucket_expr,
    day_bucket,
    iter_buckets,
    p90_expr,
    prepare,
)

CALL_GROUPS = ("day", "week", "month", "operator", "client", "direction", "outcome")
TICKET_GROUPS = TIME_UNITS
WALL_CLOCK_NOTE = (
    "Ticket first-response and resolution times are SLA business seconds (the policy's "
    "calendar, minus time waiting on the customer) where an SLA applies, wall-clock seconds "
    "otherwise; call durations are as recorded. Percent columns are fractions 0-1. "
    "p90 = linear interpolation (percentile_cont(0.9))."
)
TIME_BASIS = "sla_business_seconds_else_wall_clock"


class ReportResult(NamedTuple):
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    summary: dict[str, Any]
    meta: ReportMeta


def _r(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _ratio(num: Any, den: Any) -> float | None:
    return None if not den else round(float(num or 0) / float(den), 4)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _when(cond: ColumnElement[bool], value: Any = 1) -> Any:
    """`value` where `cond`, else NULL: COUNT/AVG/percentiles then skip the other rows."""
    return case((cond, value))


def _label_meta(name: str, es: str, en: str, period: Period, params: dict[str, Any]) -> ReportMeta:
    shown = {"from": period.label_from, "to": period.label_to}
    shown["period_start"] = period.as_params()["from"]
    shown["period_end_exclusive"] = period.as_params()["to"]
    shown.update({k: v for k, v in params.items() if v is not None})
    return ReportMeta(title_es=es, title_en=en, params=shown, timezone=period.tz.key, name=name)


def _rollup_days(
    db: Session, period: Period, *filters: Any, families: tuple[str, ...] = ("calls", "tickets")
) -> tuple[date, date] | None:
    """The period's local days when the report can be read from the daily roll-ups."""
    if any(f is not None and f != [] for f in filters):
        return None
    if period.tz.key != config.get_settings().tz.key:
        return None
    days = rollups.whole_days(period)
    if days is None or not rollups.ensure_fresh(db, period.tz, families):
        return None
    return days


# --- calls ---------------------------------------------------------------------------------

_CALL_METRICS = [
    Column("calls", "Llamadas", "Calls", "int"),
    Column("total_duration_s", "Duración total (s)", "Total duration (s)", "duration_s"),
    Column("avg_duration_s", "Duración promedio (s)", "Average duration (s)", "duration_s"),
    Column("p90_duration_s", "Duración p90 (s)", "p90 duration (s)", "duration_s"),
    Column("answered", "Atendidas", "Answered", "int"),
    Column("abandoned", "Abandonadas", "Abandoned", "int"),
    Column("answer_rate", "Tasa de atención", "Answer rate", "percent"),
    Column("abandon_rate", "Tasa de abandono", "Abandon rate", "percent"),
    Column("became_tickets", "Convertidas en ticket", "Became tickets", "int"),
]


def _call_aggs(db: Session) -> list[Any]:
    abandoned = Call.outcome == CallOutcome.abandoned
    to_ticket = or_(Call.ticket_id.is_not(None), Call.outcome == CallOutcome.ticket_created)
    return [
        func.count(Call.id),
        func.sum(Call.duration_s),
        func.avg(Call.duration_s),
        p90_expr(db, Call.duration_s),
        func.count(_when(abandoned)),
        func.count(_when(to_ticket)),
    ]


def _call_metrics(values: Any) -> dict[str, Any]:
    n, total, avg, p90, abandoned, to_ticket = values
    n, abandoned = int(n or 0), int(abandoned or 0)
    abandon_rate = _ratio(abandoned, n)
    return {
        "calls": n,
        "total_duration_s": int(total or 0),
        "avg_duration_s": _r(avg),
        "p90_duration_s": _r(p90),
        "answered": n - abandoned,
        "abandoned": abandoned,
        "answer_rate": None if abandon_rate is None else round(1 - abandon_rate, 4),
        "abandon_rate": abandon_rate,
        "became_tickets": int(to_ticket or 0),
    }


def _names(db: Session, model: type[Operator] | type[Client], ids: Iterable[Any]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = select(model.id, model.name).where(model.id.in_(wanted))
    return {row[0]: row[1] for row in db.execute(stmt)}


def calls_report(
    db: Session,
    period: Period,
    *,
    group_by: str = "day",
    operator_id: int | None = None,
    client_id: int | None = None,
    direction: CallDirection | None = None,
    outcome: CallOutcome | None = None,
) -> ReportResult:
    if group_by not in CALL_GROUPS:
        raise ValidationFailed("group_by", f"expected one of {', '.join(CALL_GROUPS)}")
    prepare(db)
    conds = [_in(Call.started_at, period)]
    if operator_id is not None:
        conds.append(Call.operator_id == operator_id)
    if client_id is not None:
        conds.append(Call.client_id == client_id)
    if direction is not None:
        conds.append(Call.direction == direction)
    if outcome is not None:
        conds.append(Call.outcome == outcome)

    days = _rollup_days(db, period, operator_id, client_id, direction, outcome, families=("calls",))
    if days is not None and group_by in TIME_UNITS:
        return _calls_from_rollups(db, period, days, group_by)
    summary = _call_metrics(db.execute(select(*_call_aggs(db)).where(*conds)).one())
    key: Any
    if group_by in TIME_UNITS:
        key = bucket_expr(db, Call.started_at, group_by, period.tz)
    else:
        key = {
            "operator": Call.operator_id,
            "client": Call.client_id,
            "direction": Call.direction,
            "outcome": Call.outcome,
        }[group_by]
    grouped = db.execute(select(key, *_call_aggs(db)).where(*conds).group_by(key)).all()

    rows: list[dict[str, Any]]
    if group_by in TIME_UNITS:
        by_bucket = {as_bucket_date(r[0]): _call_metrics(r[1:]) for r in grouped}
        empty = _call_metrics((0, 0, None, None, 0, 0))
        rows = [{"bucket": b, **by_bucket.get(b, empty)} for b in iter_buckets(period, group_by)]
        columns = [Column("bucket", "Periodo", "Period", "date"), *_CALL_METRICS]
    else:
        rows = []
        names: dict[int, str] = {}
        if group_by in ("operator", "client"):
            model = Operator if group_by == "operator" else Client
            names = _names(db, model, (r[0] for r in grouped))
        for r in grouped:
            k = rollups.plain(r[0])
            label = names.get(k, "") if group_by in ("operator", "client") else k
            rows.append({"key": k, "name": label, **_call_metrics(r[1:])})
        rows.sort(key=lambda row: (-row["calls"], str(row["key"])))
        columns = [
            Column("key", "Clave", "Key", "int" if group_by in ("operator", "client") else "text"),
            Column("name", "Nombre", "Name", "text"),
            *_CALL_METRICS,
        ]
    params = {
        "group_by": group_by,
        "operator_id": operator_id,
        "client_id": client_id,
        "direction": direction.value if direction else None,
        "outcome": outcome.value if outcome else None,
    }
    meta = _label_meta("calls", "Reporte de llamadas", "Calls report", period, params)
    return ReportResult(columns, rows, summary, meta)


class _CallAcc:
    """Sums of `calls` roll-up documents (one bucket or the whole period)."""

    def __init__(self) -> None:
        self.n = self.dur_sum = self.abandoned = self.to_ticket = 0
        self.hist = rollups.Histogram()

    def add(self, doc: dict[str, Any]) -> None:
        self.n += doc["n"]
        self.dur_sum += doc["dur_sum"]
        self.abandoned += doc["abandoned"]
        self.to_ticket += doc["to_ticket"]
        self.hist.add(doc["v"], doc["c"])

    def metrics(self) -> dict[str, Any]:
        avg = self.dur_sum / self.n if self.n else None
        p90 = self.hist.percentile()
        return _call_metrics((self.n, self.dur_sum, avg, p90, self.abandoned, self.to_ticket))


def _calls_from_rollups(
    db: Session, period: Period, days: tuple[date, date], group_by: str
) -> ReportResult:
    docs = rollups.load(db, ["calls"], *days)
    total = _CallAcc()
    buckets: dict[date, _CallAcc] = defaultdict(_CallAcc)
    for (_ds, day, _key), doc in docs.items():
        total.add(doc)
        buckets[day_bucket(day, group_by)].add(doc)
    empty = _CallAcc().metrics()
    rows = [
        {"bucket": b, **(buckets[b].metrics() if b in buckets else empty)}
        for b in iter_buckets(period, group_by)
    ]
    columns = [Column("bucket", "Periodo", "Period", "date"), *_CALL_METRICS]
    params = {"group_by": group_by}
    meta = _label_meta("calls", "Reporte de llamadas", "Calls report", period, params)
    return ReportResult(columns, rows, total.metrics(), meta)


# --- tickets -------------------------------------------------------------------------------

_TICKET_COLUMNS = [
    Column("bucket", "Periodo", "Period", "date"),
    Column("created", "Creados", "Created", "int"),
    Column("resolved", "Resueltos", "Resolved", "int"),
    Column("net", "Neto (creados - resueltos)", "Net (created - resolved)", "int"),
]


def _ticket_filters(
    priority: list[TicketPriority] | None,
    category: str | None,
    client_id: int | None,
    assignee_id: int | None,
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if priority:
        conds.append(Ticket.priority.in_(priority))
    if category is not None:
        conds.append(Ticket.category == category)
    if client_id is not None:
        conds.append(Ticket.client_id == client_id)
    if assignee_id is not None:
        conds.append(Ticket.assignee_id == assignee_id)
    return conds


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


def _breakdown(db: Session, key: Any, conds: list[ColumnElement[bool]]) -> list[tuple[Any, int]]:
    stmt: Select[Any] = select(key, func.count(Ticket.id)).where(*conds).group_by(key)
    return [(k, int(n)) for k, n in db.execute(stmt)]


def tickets_report(
    db: Session,
    period: Period,
    *,
    group_by: str = "day",
    priority: list[TicketPriority] | None = None,
    category: str | None = None,
    client_id: int | None = None,
    assignee_id: int | None = None,
) -> ReportResult:
    if group_by not in TICKET_GROUPS:
        raise ValidationFailed("group_by", f"expected one of {', '.join(TICKET_GROUPS)}")
    prepare(db)
    base = _ticket_filters(priority, category, client_id, assignee_id)
    params = {
        "group_by": group_by,
        "priority": ",".join(p.value for p in priority) if priority else None,
        "category": category,
        "client_id": client_id,
        "assignee_id": assignee_id,
    }
    meta = _label_meta("tickets", "Reporte de tickets", "Tickets report", period, params)
    days = _rollup_days(
        db, period, priority, category, client_id, assignee_id, families=("tickets",)
    )
    if days is not None:
        rows, summary = _tickets_from_rollups(db, period, days, group_by)
        return ReportResult(list(_TICKET_COLUMNS), rows, summary, meta)
    created_in = [*base, _in(Ticket.created_at, period)]
    resolved_in = [*base, _in(Ticket.resolved_at, period)]

    created_b = bucket_expr(db, Ticket.created_at, group_by, period.tz)
    resolved_b = bucket_expr(db, Ticket.resolved_at, group_by, period.tz)
    created = {as_bucket_date(k): n for k, n in _breakdown(db, created_b, created_in)}
    resolved = {as_bucket_date(k): n for k, n in _breakdown(db, resolved_b, resolved_in)}
    rows = []
    for b in iter_buckets(period, group_by):
        c, r = created.get(b, 0), resolved.get(b, 0)
        rows.append({"bucket": b, "created": c, "resolved": r, "net": c - r})

    n_created, n_reopened = db.execute(
        select(func.count(Ticket.id), func.count(_when(Ticket.reopen_count > 0))).where(*created_in)
    ).one()
    rt = rollups.resolution_seconds(db)
    with_sla = Ticket.sla_status.is_not(None)
    n_resolved, avg_rt, p90_rt, sla_met, sla_total, csat_avg, csat_n = db.execute(
        select(
            func.count(Ticket.id),
            func.avg(rt),
            p90_expr(db, rt),
            func.count(_when(Ticket.sla_status == SlaStatus.met)),
            func.count(_when(with_sla)),
            func.avg(Ticket.csat_score),
            func.count(Ticket.csat_score),
        ).where(*resolved_in)
    ).one()
    frt = rollups.first_response_seconds(db)
    n_responded, avg_frt, p90_frt = db.execute(
        select(func.count(Ticket.id), func.avg(frt), p90_expr(db, frt)).where(
            *base, _in(Ticket.first_responded_at, period)
        )
    ).one()
    backlog = db.execute(
        select(func.count(Ticket.id)).where(*base, _open_at(period.end))
    ).scalar_one()
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
    return ReportResult(list(_TICKET_COLUMNS), rows, summary, meta)


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
        "avg_first_response_s": _r(avg_frt),
        "p90_first_response_s": _r(p90_frt),
        "avg_resolution_s": _r(avg_rt),
        "p90_resolution_s": _r(p90_rt),
        "sla_met": int(sla_met),
        "sla_with_target": int(sla_total),
        "sla_compliance": _ratio(sla_met, sla_total),
        "reopened": int(n_reopened),
        "reopen_rate": _ratio(n_reopened, n_created),
        "csat_responses": int(csat_n),
        "csat_avg": _r(csat_avg),
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
    by_state.update({rollups.plain(k): n for k, n in states})
    by_priority = {p.value: 0 for p in TicketPriority}
    by_priority.update({rollups.plain(k): n for k, n in priorities})
    by_category = sorted(
        ({"category": k, "tickets": n} for k, n in categories),
        key=lambda d: (-d["tickets"], d["category"] or ""),
    )
    client_counts = list(clients)
    client_names = _names(db, Client, (k for k, _ in client_counts))
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


def _tickets_from_rollups(
    db: Session, period: Period, days: tuple[date, date], group_by: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    docs = rollups.load(db, ["tickets_created", "tickets_resolved", "tickets_responded"], *days)
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
    rows = []
    for b in iter_buckets(period, group_by):
        c, r = created.get(b, 0), resolved.get(b, 0)
        rows.append({"bucket": b, "created": c, "resolved": r, "net": c - r})
    n_rt, p90_rt = rollups.percentile_of_packed(rt_lists)
    n_frt, p90_frt = rollups.percentile_of_packed(frt_lists)
    backlog = db.execute(select(func.count(Ticket.id)).where(_open_at(period.end))).scalar_one()
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


# --- operators -----------------------------------------------------------------------------

_OPERATOR_COLUMNS = [
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


def _operator_ticket_stats(db: Session, period: Period) -> dict[int, dict[str, Any]]:
    assigned_in = _in(func.coalesce(Ticket.assigned_at, Ticket.created_at), period)
    resolved_in = _in(Ticket.resolved_at, period)
    responded_in = _in(Ticket.first_responded_at, period)
    is_open = Ticket.state.in_(OPEN_STATES)
    frt = rollups.first_response_seconds(db)
    rt = rollups.resolution_seconds(db)
    stmt = (
        select(
            Ticket.assignee_id,
            func.count(_when(assigned_in)),
            func.count(_when(resolved_in)),
            func.count(_when(is_open)),
            func.avg(_when(responded_in, frt)),
            func.avg(_when(resolved_in, rt)),
            func.count(_when(and_(resolved_in, Ticket.sla_status == SlaStatus.met))),
            func.count(_when(and_(resolved_in, Ticket.sla_status.is_not(None)))),
            func.avg(_when(resolved_in, Ticket.csat_score)),
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
            "avg_first_response_s": _r(afrt),
            "avg_resolution_s": _r(art),
            "sla_compliance": _ratio(met, with_sla),
            "csat_avg": _r(csat),
        }
    return out


def _open_now(db: Session) -> dict[int, int]:
    stmt = (
        select(Ticket.assignee_id, func.count(Ticket.id))
        .where(Ticket.assignee_id.is_not(None), Ticket.state.in_(OPEN_STATES))
        .group_by(Ticket.assignee_id)
    )
    return {int(op_id or 0): int(n) for op_id, n in db.execute(stmt)}


def _operator_stats_from_rollups(
    db: Session, days: tuple[date, date]
) -> tuple[dict[int, dict[str, Any]], dict[int, tuple[int, Any]]]:
    docs = rollups.load(db, ["ops", "calls_op"], *days)
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
            "avg_first_response_s": _r(t["frt_sum"] / t["frt_n"]) if t["frt_n"] else None,
            "avg_resolution_s": _r(t["rt_sum"] / t["rt_n"]) if t["rt_n"] else None,
            "sla_compliance": _ratio(t["sla_met"], t["sla_total"]),
            "csat_avg": _r(t["csat_sum"] / t["csat_n"]) if t["csat_n"] else None,
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


def operators_report(
    db: Session,
    period: Period,
    *,
    rank_by: str = "tickets_resolved",
    role: Role | None = None,
) -> ReportResult:
    if rank_by not in RANK_METRICS:
        raise ValidationFailed("rank_by", f"expected one of {', '.join(RANK_METRICS)}")
    roles = [role] if role else [Role.operator, Role.supervisor]
    operators = db.execute(
        select(Operator.id, Operator.name, Operator.role)
        .where(Operator.is_active.is_(True), Operator.role.in_(roles))
        .order_by(Operator.id)
    ).all()
    days = _rollup_days(db, period)
    if days is not None:
        tickets, calls = _operator_stats_from_rollups(db, days)
    else:
        tickets = _operator_ticket_stats(db, period)
        handled = Call.outcome != CallOutcome.abandoned
        calls = {
            op_id: (int(n), avg)
            for op_id, n, avg in db.execute(
                select(Call.operator_id, func.count(Call.id), func.avg(Call.duration_s))
                .where(Call.operator_id.is_not(None), handled, _in(Call.started_at, period))
                .group_by(Call.operator_id)
            )
        }
    visit_at = func.coalesce(ScheduledVisit.finished_at, ScheduledVisit.scheduled_start)
    visit_stmt = (
        select(ScheduledVisit.operator_id, func.count(ScheduledVisit.id))
        .where(ScheduledVisit.state == VisitState.done, _in(visit_at, period))
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
                "avg_handle_time_s": _r(aht),
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
    params = {"rank_by": rank_by, "role": role.value if role else None}
    meta = _label_meta("operators", "Reporte de operadores", "Operators report", period, params)
    return ReportResult(list(_OPERATOR_COLUMNS), rows, summary, meta)
