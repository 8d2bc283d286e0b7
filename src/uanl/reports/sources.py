"""What each report type produces for a job: columns, rows, meta and JSON-only extras.

Parameters are validated with Pydantic when the job is created (a 422 then), and read again
when it runs; relative periods ("last_week", ...) are resolved at run time in TIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.models import CallDirection, CallOutcome, Role, TicketPriority
from uanl.reports import analytics, custom, summary
from uanl.reports.formats import Column, ReportMeta
from uanl.reports.periods import parse_period

RelativePeriod = Literal["yesterday", "last_7_days", "last_week", "last_month", "this_month"]
RELATIVE_PERIODS = ("yesterday", "last_7_days", "last_week", "last_month", "this_month")


def resolve_period(name: str, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """A relative period as inclusive local dates (from, to)."""
    today = now.astimezone(tz).date()
    if name == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if name == "last_7_days":
        return today - timedelta(days=7), today - timedelta(days=1)
    if name == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if name == "this_month":
        return today.replace(day=1), today
    raise ValueError(f"unknown period {name!r}")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period: RelativePeriod | None = None
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")
    lang: Literal["es", "en"] = "es"


class CallsParams(_Base):
    group_by: Literal["day", "week", "month", "operator", "client", "direction", "outcome"] = "day"
    operator_id: int | None = None
    client_id: int | None = None
    direction: CallDirection | None = None
    outcome: CallOutcome | None = None


class TicketsParams(_Base):
    group_by: Literal["day", "week", "month"] = "day"
    priority: list[TicketPriority] | None = None
    category: str | None = None
    client_id: int | None = None
    assignee_id: int | None = None


class OperatorsParams(_Base):
    rank_by: str = "tickets_resolved"
    role: Role | None = None


class CustomParams(custom.CustomQuery):
    period: RelativePeriod | None = None


class AnalyticsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: Literal["tickets", "calls"] = "tickets"
    updated_since: datetime | None = None
    period: RelativePeriod | None = None
    limit: int | None = Field(None, ge=1, le=5_000_000)
    lang: Literal["es", "en"] = "es"


PARAM_MODELS: dict[str, type[BaseModel]] = {
    "calls": CallsParams,
    "tickets": TicketsParams,
    "operators": OperatorsParams,
    "custom": CustomParams,
    "analytics": AnalyticsParams,
}


@dataclass
class Source:
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    meta: ReportMeta
    extra: dict[str, Any] | None = None
    lang: Literal["es", "en"] = "es"
    notes: list[str] = field(default_factory=list)
    # How many rows the job will write, when cheap to know: drives the job's progress.
    expected_rows: int | None = None


def validate_params(db: Session, report: str, params: dict[str, Any]) -> BaseModel:
    """Pydantic first (types, unknown keys), then the custom report's whitelist."""
    parsed = PARAM_MODELS[report].model_validate(params)
    if isinstance(parsed, CustomParams):
        custom.build_plan(db, _custom_query(parsed))
    return parsed


def _custom_query(parsed: CustomParams) -> custom.CustomQuery:
    data = parsed.model_dump(by_alias=True, exclude={"period"})
    if parsed.period:
        start, end = resolve_period(parsed.period, datetime.now(UTC), config.get_settings().tz)
        data["from"], data["to"] = start, end
    return custom.CustomQuery.model_validate(data)


def _summary_period(parsed: _Base) -> Any:
    tz = config.get_settings().tz
    start, end = parsed.date_from, parsed.date_to
    if parsed.period:
        a, b = resolve_period(parsed.period, datetime.now(UTC), tz)
        start, end = a.isoformat(), b.isoformat()
    return parse_period(start, end, tz)


def build_source(db: Session, report: str, params: dict[str, Any]) -> Source:
    parsed = validate_params(db, report, params)
    if isinstance(parsed, CustomParams):
        plan = custom.build_plan(db, _custom_query(parsed))
        return Source(
            custom.columns(plan), custom.run(db, plan), custom.meta(plan), None, parsed.lang
        )
    if isinstance(parsed, AnalyticsParams):
        since = parsed.updated_since
        if parsed.period:
            tz = config.get_settings().tz
            start, _ = resolve_period(parsed.period, datetime.now(UTC), tz)
            since = datetime.combine(start, datetime.min.time(), tzinfo=tz)
        rows = analytics.iter_rows(db, parsed.entity, updated_since=since, limit=parsed.limit)
        meta = analytics.meta(parsed.entity, parsed.model_dump(mode="json", exclude_none=True))
        total = analytics.count_rows(db, parsed.entity, updated_since=since)
        if parsed.limit is not None:
            total = min(total, parsed.limit)
        return Source(
            analytics.columns_for(parsed.entity), rows, meta, None, parsed.lang, [], total
        )
    return _summary_source(db, report, parsed)


def _summary_source(db: Session, report: str, parsed: BaseModel) -> Source:
    assert isinstance(parsed, _Base)
    period = _summary_period(parsed)
    options = parsed.model_dump(exclude={"period", "date_from", "date_to", "lang"})
    functions: dict[str, Any] = {
        "calls": summary.calls_report,
        "tickets": summary.tickets_report,
        "operators": summary.operators_report,
    }
    result = functions[report](db, period, **options)
    extra = {"summary": result.summary, "notes": summary.WALL_CLOCK_NOTE}
    return Source(result.columns, result.rows, result.meta, extra, parsed.lang)
