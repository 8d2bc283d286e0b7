"""Calls report: counts, durations and rates per time bucket or per group.

Per time bucket it can be read from the `calls` roll-ups (`from_rollups`); any grouping, with
any filters, is computed from the base tables (`from_base_tables`). Both return
(columns, rows, summary).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from uanl.models import Call, CallDirection, CallOutcome, Client, Operator
from uanl.reports.formats import Column
from uanl.reports.periods import (
    TIME_UNITS,
    Period,
    as_bucket_date,
    bucket_expr,
    day_bucket,
    iter_buckets,
    p90_expr,
)
from uanl.reports.rollups import load
from uanl.reports.rollups.compute import plain
from uanl.reports.rollups.values import Histogram
from uanl.reports.summary.common import (
    BUCKET_COLUMN,
    equals,
    in_period,
    names_of,
    ratio,
    rounded,
    when,
)

CALL_GROUPS = ("day", "week", "month", "operator", "client", "direction", "outcome")

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

_BUCKET_COLUMNS = [BUCKET_COLUMN, *_CALL_METRICS]

Result = tuple[list[Column], list[dict[str, Any]], dict[str, Any]]


def _call_aggs(db: Session) -> list[Any]:
    abandoned = Call.outcome == CallOutcome.abandoned
    to_ticket = or_(Call.ticket_id.is_not(None), Call.outcome == CallOutcome.ticket_created)
    return [
        func.count(Call.id),
        func.sum(Call.duration_s),
        func.avg(Call.duration_s),
        p90_expr(db, Call.duration_s),
        func.count(when(abandoned)),
        func.count(when(to_ticket)),
    ]


def _call_metrics(values: Any) -> dict[str, Any]:
    n, total, avg, p90, abandoned, to_ticket = values
    n, abandoned = int(n or 0), int(abandoned or 0)
    abandon_rate = ratio(abandoned, n)
    return {
        "calls": n,
        "total_duration_s": int(total or 0),
        "avg_duration_s": rounded(avg),
        "p90_duration_s": rounded(p90),
        "answered": n - abandoned,
        "abandoned": abandoned,
        "answer_rate": None if abandon_rate is None else round(1 - abandon_rate, 4),
        "abandon_rate": abandon_rate,
        "became_tickets": int(to_ticket or 0),
    }


def _bucket_rows(
    period: Period, group_by: str, metrics: dict[date, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per bucket of the period (zeros where there were no calls)."""
    empty = _call_metrics((0, 0, None, None, 0, 0))
    return [{"bucket": b, **metrics.get(b, empty)} for b in iter_buckets(period, group_by)]


def from_base_tables(
    db: Session,
    period: Period,
    group_by: str,
    *,
    operator_id: int | None,
    client_id: int | None,
    direction: CallDirection | None,
    outcome: CallOutcome | None,
) -> Result:
    conds = [
        in_period(Call.started_at, period),
        *equals(
            (Call.operator_id, operator_id),
            (Call.client_id, client_id),
            (Call.direction, direction),
            (Call.outcome, outcome),
        ),
    ]

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

    if group_by in TIME_UNITS:
        metrics = {as_bucket_date(r[0]): _call_metrics(r[1:]) for r in grouped}
        return list(_BUCKET_COLUMNS), _bucket_rows(period, group_by, metrics), summary
    rows: list[dict[str, Any]] = []
    names: dict[int, str] = {}
    if group_by in ("operator", "client"):
        model = Operator if group_by == "operator" else Client
        names = names_of(db, model, (r[0] for r in grouped))
    for r in grouped:
        k = plain(r[0])
        label = names.get(k, "") if group_by in ("operator", "client") else k
        rows.append({"key": k, "name": label, **_call_metrics(r[1:])})
    rows.sort(key=lambda row: (-row["calls"], str(row["key"])))
    columns = [
        Column("key", "Clave", "Key", "int" if group_by in ("operator", "client") else "text"),
        Column("name", "Nombre", "Name", "text"),
        *_CALL_METRICS,
    ]
    return columns, rows, summary


class _CallAcc:
    """Sums of `calls` roll-up documents (one bucket or the whole period)."""

    def __init__(self) -> None:
        self.n = self.dur_sum = self.abandoned = self.to_ticket = 0
        self.hist = Histogram()

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


def from_rollups(db: Session, period: Period, days: tuple[date, date], group_by: str) -> Result:
    """Per time bucket (`group_by` in TIME_UNITS), without filters, from whole local days."""
    docs = load(db, ["calls"], *days)
    total = _CallAcc()
    buckets: dict[date, _CallAcc] = defaultdict(_CallAcc)
    for (_ds, day, _key), doc in docs.items():
        total.add(doc)
        buckets[day_bucket(day, group_by)].add(doc)
    metrics = {b: acc.metrics() for b, acc in buckets.items()}
    return list(_BUCKET_COLUMNS), _bucket_rows(period, group_by, metrics), total.metrics()
