"""Chart-ready data: `{name, title, labels, series: [{name, data}], meta}`.

Each chart is one or two GROUP BY queries. Local days and hours come from TIMEZONE through
the reports' helpers (PostgreSQL `timezone()`, Python functions registered on SQLite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core.errors import NotFound
from uanl.core.sqltime import seconds_between
from uanl.models import OPEN_STATES, Call, Operator, Ticket, TicketPriority, TicketState
from uanl.reports.periods import (
    Period,
    as_bucket_date,
    bucket_expr,
    is_postgres,
    iter_buckets,
    prepare,
)

WEEKDAYS = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
# Resolution-time histogram: upper bounds in seconds, the last bucket is open-ended.
HISTOGRAM = (
    ("< 1 h", 3600),
    ("1-4 h", 4 * 3600),
    ("4-8 h", 8 * 3600),
    ("8-24 h", 24 * 3600),
    ("1-3 d", 3 * 86400),
    ("3-7 d", 7 * 86400),
    ("> 7 d", None),
)


@dataclass(frozen=True)
class Filters:
    operator_id: int | None = None
    client_id: int | None = None
    category: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _ticket_conds(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.operator_id is not None:
        conds.append(Ticket.assignee_id == f.operator_id)
    if f.client_id is not None:
        conds.append(Ticket.client_id == f.client_id)
    if f.category is not None:
        conds.append(Ticket.category == f.category)
    return conds


def _call_conds(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.operator_id is not None:
        conds.append(Call.operator_id == f.operator_id)
    if f.client_id is not None:
        conds.append(Call.client_id == f.client_id)
    return conds


def _chart(name: str, labels: list[Any], series: dict[str, list[Any]], **meta: Any) -> dict:
    return {
        "name": name,
        "title": CHARTS[name][0],
        "labels": labels,
        "series": [{"name": k, "data": v} for k, v in series.items()],
        "meta": meta,
    }


def _by_day(db: Session, column: Any, period: Period, conds: list[Any]) -> dict[Any, int]:
    key = bucket_expr(db, column, "day", period.tz)
    rows = db.execute(select(key, func.count()).where(_in(column, period), *conds).group_by(key))
    return {as_bucket_date(k): int(n) for k, n in rows}


def tickets_by_day(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    prepare(db)
    conds = _ticket_conds(f)
    created = _by_day(db, Ticket.created_at, period, conds)
    resolved = _by_day(db, Ticket.resolved_at, period, conds)
    days = list(iter_buckets(period, "day"))
    return _chart(
        "tickets-by-day",
        [d.isoformat() for d in days],
        {
            "created": [created.get(d, 0) for d in days],
            "resolved": [resolved.get(d, 0) for d in days],
        },
    )


def tickets_by_state(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    rows = dict(
        db.execute(
            select(Ticket.state, func.count())
            .where(_in(Ticket.created_at, period), *_ticket_conds(f))
            .group_by(Ticket.state)
        ).all()
    )
    labels = [s.value for s in TicketState]
    data = [int(rows.get(s, 0)) for s in TicketState]
    return _chart("tickets-by-state", labels, {"tickets": data}, scope="created in the period")


def tickets_by_priority(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    is_open = Ticket.state.in_(OPEN_STATES)
    rows = {
        p: (int(n), int(o))
        for p, n, o in db.execute(
            select(Ticket.priority, func.count(), func.count().filter(is_open))
            .where(_in(Ticket.created_at, period), *_ticket_conds(f))
            .group_by(Ticket.priority)
        )
    }
    prios = list(TicketPriority)
    return _chart(
        "tickets-by-priority",
        [p.value for p in prios],
        {
            "tickets": [rows.get(p, (0, 0))[0] for p in prios],
            "open": [rows.get(p, (0, 0))[1] for p in prios],
        },
        scope="created in the period; `open` = of those, still open",
    )


def _sqlite_dow_hour(value: str | None, tzname: str) -> int | None:
    if value is None:
        return None
    local = datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(ZoneInfo(tzname))
    return local.weekday() * 24 + local.hour


def _dow_hour_expr(db: Session, column: Any, tz: ZoneInfo) -> ColumnElement[Any]:
    """Monday-based weekday * 24 + local hour of an instant."""
    tz_sql: ColumnElement[str] = literal_column(f"'{tz.key}'")
    if is_postgres(db):
        local = func.timezone(tz_sql, column)
        dow = cast(func.extract("isodow", local), Integer) - 1
        return dow * 24 + cast(func.extract("hour", local), Integer)
    raw = db.connection().connection.dbapi_connection
    if raw is not None and hasattr(raw, "create_function"):
        raw.create_function("uanl_dow_hour", 2, _sqlite_dow_hour, deterministic=True)
    return func.uanl_dow_hour(column, tz_sql)


def calls_by_hour(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    prepare(db)
    key = _dow_hour_expr(db, Call.started_at, period.tz)
    grid = [[0] * 24 for _ in WEEKDAYS]
    for slot, n in db.execute(
        select(key, func.count()).where(_in(Call.started_at, period), *_call_conds(f)).group_by(key)
    ):
        grid[int(slot) // 24][int(slot) % 24] = int(n)
    return _chart(
        "calls-by-hour",
        list(range(24)),
        dict(zip(WEEKDAYS, grid, strict=True)),
        kind="heatmap",
        note="labels are local hours; one series per weekday (Monday first)",
        ignored_filters=["category"] if f.category else [],
    )


def operator_performance(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    conds = _ticket_conds(f)
    resolved_in = _in(Ticket.resolved_at, period)
    rt = seconds_between(db, Ticket.created_at, Ticket.resolved_at)
    tickets = {
        row[0]: row[1:]
        for row in db.execute(
            select(
                Ticket.assignee_id,
                func.count().filter(resolved_in),
                func.count().filter(Ticket.state.in_(OPEN_STATES)),
                func.avg(rt).filter(resolved_in),
                func.avg(Ticket.csat_score).filter(resolved_in),
            )
            .where(Ticket.assignee_id.is_not(None), *conds)
            .group_by(Ticket.assignee_id)
        )
    }
    call_conds = [Call.operator_id.is_not(None), _in(Call.started_at, period), *_call_conds(f)]
    calls = dict(
        db.execute(
            select(Call.operator_id, func.count()).where(*call_conds).group_by(Call.operator_id)
        ).all()
    )
    ops = select(Operator.id, Operator.name).where(Operator.is_active.is_(True))
    if f.operator_id is not None:
        ops = ops.where(Operator.id == f.operator_id)
    people = [
        (i, n)
        for i, n in db.execute(ops.order_by(Operator.name, Operator.id))
        if i in tickets or i in calls
    ]

    def col(index: int, digits: int | None = None, scale: float = 1.0) -> list[Any]:
        out: list[Any] = []
        for op_id, _ in people:
            value = tickets.get(op_id, (0, 0, None, None))[index]
            if digits is None:
                out.append(int(value or 0))
            else:
                out.append(None if value is None else round(float(value) / scale, digits))
        return out

    return _chart(
        "operator-performance",
        [name for _, name in people],
        {
            "resolved": col(0),
            "open": col(1),
            "avg_resolution_h": col(2, 2, 3600.0),
            "csat": col(3, 2),
            "calls": [int(calls.get(i, 0)) for i, _ in people],
        },
        operator_ids=[i for i, _ in people],
    )


def resolution_time_distribution(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    rt = seconds_between(db, Ticket.created_at, Ticket.resolved_at)
    whens = [(rt < bound, i) for i, (_, bound) in enumerate(HISTOGRAM) if bound is not None]
    bucket = case(*whens, else_=len(HISTOGRAM) - 1)
    counts: dict[Any, Any] = dict(
        db.execute(
            select(bucket, func.count())
            .where(_in(Ticket.resolved_at, period), *_ticket_conds(f))
            .group_by(bucket)
        ).all()
    )
    return _chart(
        "resolution-time-distribution",
        [label for label, _ in HISTOGRAM],
        {"tickets": [int(counts.get(i, 0)) for i in range(len(HISTOGRAM))]},
        bounds_s=[bound for _, bound in HISTOGRAM],
        scope="tickets resolved in the period, wall-clock time from creation",
    )


def sla_compliance_trend(db: Session, period: Period, f: Filters) -> dict[str, Any]:
    prepare(db)
    key = bucket_expr(db, Ticket.resolved_at, "day", period.tz)
    met = Ticket.resolved_at <= Ticket.resolution_due_at
    rows = {
        as_bucket_date(k): (int(n), int(m))
        for k, n, m in db.execute(
            select(key, func.count(), func.count().filter(met))
            .where(
                _in(Ticket.resolved_at, period),
                Ticket.resolution_due_at.is_not(None),
                *_ticket_conds(f),
            )
            .group_by(key)
        )
    }
    days = list(iter_buckets(period, "day"))
    totals = [rows.get(d, (0, 0)) for d in days]
    return _chart(
        "sla-compliance-trend",
        [d.isoformat() for d in days],
        {
            "compliance": [None if n == 0 else round(m / n, 4) for n, m in totals],
            "met": [m for _, m in totals],
            "breached": [n - m for n, m in totals],
        },
        scope="tickets resolved each local day that had a resolution target",
    )


ChartFn = Callable[[Session, Period, Filters], dict[str, Any]]
CHARTS: dict[str, tuple[str, ChartFn]] = {
    "tickets-by-day": ("Tickets creados vs. resueltos por día", tickets_by_day),
    "tickets-by-state": ("Tickets por estado", tickets_by_state),
    "tickets-by-priority": ("Tickets por prioridad", tickets_by_priority),
    "calls-by-hour": ("Llamadas por día de la semana y hora", calls_by_hour),
    "operator-performance": ("Desempeño por operador", operator_performance),
    "resolution-time-distribution": (
        "Distribución del tiempo de resolución",
        resolution_time_distribution,
    ),
    "sla-compliance-trend": ("Tendencia de cumplimiento de SLA", sla_compliance_trend),
}


def chart_names() -> list[str]:
    return list(CHARTS)


def ensure_known(name: str) -> None:
    """404 problem listing the valid names (in `valid`) for an unknown chart."""
    if name not in CHARTS:
        raise NotFound(
            f"Unknown chart {name!r}; valid charts: {', '.join(CHARTS)}", valid=list(CHARTS)
        )


def build_chart(db: Session, name: str, period: Period, f: Filters) -> dict[str, Any]:
    ensure_known(name)
    chart = CHARTS[name][1](db, period, f)
    chart["meta"].update(
        period={
            "from": period.label_from,
            "to": period.label_to,
            "start": period.start.isoformat(),
            "end_exclusive": period.end.isoformat(),
        },
        timezone=period.tz.key,
        filters=f.as_dict(),
    )
    return chart
