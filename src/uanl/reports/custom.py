"""Custom reports: a validated query spec over a whitelisted dataset, run as SQLAlchemy.

Every name in the request is checked against `datasets.DATASETS` and every filter value
against its column's type; a mistake is a 422 naming the offending field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.core.schemas import NoNul
from uanl.reports import datasets as ds
from uanl.reports.formats import Column, ReportMeta

OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "between", "contains", "is_null")
FNS = ("count", "sum", "avg", "min", "max", "p50", "p90")
PERCENTILES = {"p50": 0.5, "p90": 0.9}
MAX_IN = 1000
MAX_LIMIT = 100_000


class FilterIn(NoNul):  # NoNul: no field accepts U+0000 (422, not a 500)
    column: str
    op: str
    value: Any = None


class AggregateIn(NoNul):
    fn: str
    column: str | None = None


class CustomQuery(NoNul):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    dataset: str
    columns: list[str] = Field(default_factory=list, max_length=60)
    filters: list[FilterIn] = Field(default_factory=list, max_length=50)
    group_by: list[str] = Field(default_factory=list, max_length=10)
    aggregates: list[AggregateIn] = Field(default_factory=list, max_length=20)
    sort: list[str] = Field(default_factory=list, max_length=10)
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)
    format: Literal["json", "jsonl", "csv", "xlsx"] = Field(
        "json", description="Output format; when absent, the Accept header decides"
    )
    period_from: datetime | date | None = Field(None, alias="from")
    period_to: datetime | date | None = Field(None, alias="to")
    lang: Literal["es", "en"] = "es"
    bom: bool = Field(False, description="CSV: start with a UTF-8 BOM (Excel)")


@dataclass
class OutColumn:
    name: str
    column: Column
    expr: Any  # a SQL expression; None: a percentile computed in Python (SQLite)
    fn: str | None = None
    source: ds.Field | None = None


@dataclass
class Plan:
    dataset: ds.Dataset
    query: CustomQuery
    outputs: list[OutColumn]
    where: list[ColumnElement[Any]]
    group: list[ds.Field]
    aggregating: bool


# --------------------------------------------------------------------------- validation


def _field(dataset: ds.Dataset, name: str | None, where: str) -> ds.Field:
    if name is None or name not in dataset.fields:
        allowed = ", ".join(sorted(dataset.fields))
        raise ValidationFailed(
            where, f"unknown column {name!r} for dataset {dataset.name!r}; allowed: {allowed}"
        )
    return dataset.fields[name]


def _scalar(f: ds.Field, value: Any, where: str) -> Any:
    """Check one filter value against the column's type and return it ready to bind."""
    ok = True
    if f.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif f.kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif f.kind == "bool":
        ok = isinstance(value, bool)
    elif f.kind in ("text", "enum"):
        ok = isinstance(value, str)
        if ok and f.kind == "enum" and value not in f.choices:
            raise ValidationFailed(
                where, f"{value!r} is not a valid {f.name}; allowed: {', '.join(f.choices)}"
            )
    elif f.kind == "datetime":
        return _instant(value, where, f.name)
    if not ok:
        raise ValidationFailed(where, f"column {f.name!r} expects a value of type {f.kind}")
    return value


def _instant(value: Any, where: str, name: str, *, end: bool = False) -> datetime:
    """ISO date or datetime; a bare date is that day's midnight in TIMEZONE."""
    tz = config.get_settings().tz
    if isinstance(value, datetime):
        parsed: datetime | date = value
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = (
                date.fromisoformat(value)
                if len(value) == 10
                else datetime.fromisoformat(value.replace("Z", "+00:00"))
            )
        except ValueError:
            raise ValidationFailed(
                where, f"column {name!r} expects an ISO 8601 date or datetime"
            ) from None
    else:
        raise ValidationFailed(where, f"column {name!r} expects an ISO 8601 date or datetime")
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time(0), tzinfo=tz)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _refuse_sealed(f: ds.Field, where: str, what: str) -> None:
    if f.sealed:
        raise ValidationFailed(where, f"{f.name!r} is encrypted at rest and cannot be {what}")


def _condition(dataset: ds.Dataset, i: int, flt: FilterIn) -> ColumnElement[Any]:
    where = f"filters.{i}"
    f = _field(dataset, flt.column, f"{where}.column")
    col = f.attr
    op, value, vwhere = flt.op, flt.value, f"{where}.value"
    if op not in OPS:
        raise ValidationFailed(f"{where}.op", f"unknown operator {op!r}; allowed: {', '.join(OPS)}")
    if op == "is_null":
        if value is None:
            value = True
        if not isinstance(value, bool):
            raise ValidationFailed(vwhere, "is_null expects true or false")
        return col.is_(None) if value else col.is_not(None)
    _refuse_sealed(f, f"{where}.op", "filtered except with is_null")
    if op == "contains":
        if f.kind != "text":
            raise ValidationFailed(f"{where}.op", f"contains needs a text column, not {f.name!r}")
        if not isinstance(value, str) or not value:
            raise ValidationFailed(vwhere, "contains expects a non-empty string")
        return func.lower(col).contains(value.lower(), autoescape=True)
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN:
            raise ValidationFailed(vwhere, f"in expects a list of 1 to {MAX_IN} values")
        return col.in_([_scalar(f, v, f"{vwhere}.{j}") for j, v in enumerate(value)])
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ValidationFailed(vwhere, "between expects a list of two values [low, high]")
        low, high = (_scalar(f, v, f"{vwhere}.{j}") for j, v in enumerate(value))
        return col.between(low, high)
    if value is None:
        raise ValidationFailed(vwhere, f"{op} needs a value (use is_null for missing values)")
    if op in ("lt", "lte", "gt", "gte") and f.kind in ("bool", "enum"):
        raise ValidationFailed(f"{where}.op", f"{op} does not apply to {f.kind} column {f.name!r}")
    bound = _scalar(f, value, vwhere)
    ops = {
        "eq": col.__eq__,
        "ne": col.__ne__,
        "lt": col.__lt__,
        "lte": col.__le__,
        "gt": col.__gt__,
        "gte": col.__ge__,
    }
    result: ColumnElement[Any] = ops[op](bound)
    return result


def _aggregate(dataset: ds.Dataset, i: int, agg: AggregateIn, postgres: bool) -> OutColumn:
    where = f"aggregates.{i}"
    if agg.fn not in FNS:
        raise ValidationFailed(
            f"{where}.fn", f"unknown aggregate {agg.fn!r}; allowed: {', '.join(FNS)}"
        )
    if agg.fn == "count" and agg.column is None:
        return OutColumn(
            "count", Column("count", "Cantidad", "Count", "int"), func.count(), "count"
        )
    f = _field(dataset, agg.column, f"{where}.column")
    name = f"{agg.fn}_{f.name}"
    es, en = f"{agg.fn} {f.header_es}", f"{agg.fn} {f.header_en}"
    if agg.fn == "count":
        return OutColumn(name, Column(name, es, en, "int"), func.count(f.attr), "count", f)
    numeric = f.kind in ds.NUMERIC
    if agg.fn in ("min", "max"):
        if not (numeric or f.kind == "datetime"):
            raise ValidationFailed(
                f"{where}.column", f"{agg.fn} needs a numeric or date column, not {f.kind}"
            )
        minmax = func.min(f.attr) if agg.fn == "min" else func.max(f.attr)
        return OutColumn(name, Column(name, es, en, f.column().kind), minmax, agg.fn, f)
    if not numeric:
        raise ValidationFailed(
            f"{where}.column", f"{agg.fn} needs a numeric column; {f.name!r} is {f.kind}"
        )
    if agg.fn == "sum":
        return OutColumn(name, Column(name, es, en, f.column().kind), func.sum(f.attr), "sum", f)
    if agg.fn == "avg":
        return OutColumn(name, Column(name, es, en, "float"), func.avg(f.attr), "avg", f)
    pct = PERCENTILES[agg.fn]
    expr = func.percentile_cont(pct).within_group(f.attr) if postgres else None
    return OutColumn(name, Column(name, es, en, "float"), expr, agg.fn, f)


def build_plan(db: Session, query: CustomQuery) -> Plan:
    """Validate the whole spec against the whitelist; raises ValidationFailed (422)."""
    dataset = ds.DATASETS.get(query.dataset)
    if dataset is None:
        raise ValidationFailed(
            "dataset", f"unknown dataset {query.dataset!r}; allowed: {', '.join(ds.DATASETS)}"
        )
    postgres = db.get_bind().dialect.name == "postgresql"
    where = [_condition(dataset, i, flt) for i, flt in enumerate(query.filters)]
    date_col = dataset.fields[dataset.date_field].attr
    if query.period_from is not None:
        where.append(date_col >= _instant(query.period_from, "from", dataset.date_field))
    if query.period_to is not None:
        end = _instant(query.period_to, "to", dataset.date_field)
        if not isinstance(query.period_to, datetime) and not (
            isinstance(query.period_to, str) and len(query.period_to) > 10
        ):
            end += timedelta(days=1)  # a date `to` is the whole local day, as in periods.py
        where.append(date_col < end)
    group = [_field(dataset, g, f"group_by.{i}") for i, g in enumerate(query.group_by)]
    for i, g in enumerate(group):
        _refuse_sealed(g, f"group_by.{i}", "grouped")
    aggregating = bool(group or query.aggregates)
    outputs: list[OutColumn] = []
    if aggregating:
        for i, name in enumerate(query.columns):
            if name not in query.group_by:
                _field(dataset, name, f"columns.{i}")
                raise ValidationFailed(
                    f"columns.{i}", f"{name!r} must be in group_by when aggregating"
                )
        outputs = [OutColumn(g.name, g.column(), g.attr, source=g) for g in group]
        aggs = query.aggregates or [AggregateIn(fn="count")]
        for i, agg in enumerate(aggs):
            out = _aggregate(dataset, i, agg, postgres)
            if any(o.name == out.name for o in outputs):
                raise ValidationFailed(f"aggregates.{i}", f"{out.name!r} is requested twice")
            outputs.append(out)
    else:
        names = query.columns or list(dataset.fields)
        for i, name in enumerate(names):
            f = _field(dataset, name, f"columns.{i}")
            outputs.append(OutColumn(f.name, f.column(), f.attr, source=f))
    known = {o.name for o in outputs if not (o.source and o.source.sealed and not o.fn)}
    for i, s in enumerate(query.sort):
        if s.lstrip("+-") not in known:
            raise ValidationFailed(
                f"sort.{i}", f"cannot sort by {s!r}; allowed: {', '.join(sorted(known))}"
            )
    return Plan(dataset, query, outputs, where, group, aggregating)


# --------------------------------------------------------------------------- execution


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks: what PostgreSQL's percentile_cont does."""
    if not values:
        return None
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def _plain(value: Any, out: OutColumn) -> Any:
    if isinstance(value, Decimal):
        return float(value) if out.column.kind == "float" or value % 1 else int(value)
    if out.fn == "avg" and value is not None:
        return float(value)
    if hasattr(value, "value") and not isinstance(value, datetime | date):
        return value.value  # string enums
    return value


def run(db: Session, plan: Plan) -> Iterator[dict[str, Any]]:
    """The rows of the report as dicts keyed by output column name."""
    sql_outputs = [o for o in plan.outputs if o.expr is not None]
    py_pct = [o for o in plan.outputs if o.expr is None]
    stmt = select(*[o.expr.label(o.name) for o in sql_outputs if o.expr is not None])
    stmt = stmt.select_from(plan.dataset.model)
    if plan.where:
        stmt = stmt.where(and_(*plan.where))
    if plan.group:
        stmt = stmt.group_by(*[g.attr for g in plan.group])
    order = []
    for s in plan.query.sort:
        name = s.lstrip("+-")
        order.append((name, s.startswith("-")))
    if py_pct:
        # SQLite has no percentile_cont: aggregate the rest in SQL, percentiles in Python,
        # then sort and cut in Python (the same answer PostgreSQL gives in one statement).
        yield from _with_python_percentiles(db, plan, stmt, sql_outputs, py_pct, order)
        return
    if order:
        cols = {o.name: o.expr for o in sql_outputs}
        stmt = stmt.order_by(
            *[
                (cols[n].desc() if d else cols[n].asc()).nulls_last()  # type: ignore[union-attr]
                for n, d in order
            ]
        )
    elif not plan.aggregating:
        stmt = stmt.order_by(plan.dataset.model.id)
    stmt = stmt.limit(plan.query.limit)
    for row in db.execute(stmt.execution_options(yield_per=2000)):
        yield {o.name: _plain(v, o) for o, v in zip(sql_outputs, row, strict=True)}


def _with_python_percentiles(
    db: Session,
    plan: Plan,
    stmt: Any,
    sql_outputs: list[OutColumn],
    py_pct: list[OutColumn],
    order: list[tuple[str, bool]],
) -> Iterator[dict[str, Any]]:
    rows = [
        {o.name: _plain(v, o) for o, v in zip(sql_outputs, r, strict=True)}
        for r in db.execute(stmt)
    ]
    sources = [o.source.attr for o in py_pct if o.source is not None]
    raw = select(*[g.attr for g in plan.group], *sources).select_from(plan.dataset.model)
    if plan.where:
        raw = raw.where(and_(*plan.where))
    n = len(plan.group)
    samples: dict[tuple[Any, ...], list[list[float]]] = {}
    for r in db.execute(raw):
        key = tuple(_plain(v, o) for v, o in zip(r[:n], plan.outputs[:n], strict=True))
        bucket = samples.setdefault(key, [[] for _ in py_pct])
        for j, v in enumerate(r[n:]):
            if v is not None:
                bucket[j].append(float(v))
    group_names = [g.name for g in plan.group]
    for row in rows:
        key = tuple(row[g] for g in group_names)
        bucket = samples.get(key, [[] for _ in py_pct])
        for j, o in enumerate(py_pct):
            row[o.name] = percentile(bucket[j], PERCENTILES[o.fn or "p50"])
    for name, desc in reversed(order):
        nones = [r for r in rows if r[name] is None]
        rest = sorted((r for r in rows if r[name] is not None), key=lambda r: r[name], reverse=desc)
        rows = rest + nones
    ordered = [{o.name: row[o.name] for o in plan.outputs} for row in rows]
    yield from ordered[: plan.query.limit]


def columns(plan: Plan) -> list[Column]:
    return [o.column for o in plan.outputs]


def meta(plan: Plan) -> ReportMeta:
    return ReportMeta(
        title_es=f"Reporte personalizado: {plan.dataset.title_es}",
        title_en=f"Custom report: {plan.dataset.title_en}",
        params=plan.query.model_dump(mode="json", by_alias=True, exclude_none=True),
        timezone=config.get_settings().timezone,
    )
