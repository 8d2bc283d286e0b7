"""`/reports/*`: summary reports for supervisors, as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Query
from fastapi.responses import StreamingResponse

from uanl.api.deps import DB, SupervisorOrAdmin
from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import CallDirection, CallOutcome, Role, TicketPriority
from uanl.reports import cache
from uanl.reports import summary as reports
from uanl.reports.formats import MEDIA_TYPES, stream
from uanl.reports.periods import Period, parse_period

router = SlashRouter(prefix="/reports", tags=["reports"])

OutFormat = Literal["json", "csv", "xlsx"]
_BY_MEDIA = {media.split(";")[0]: fmt for fmt, media in MEDIA_TYPES.items()}

FromQ = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=40,
        description="YYYY-MM-DD (local day) or ISO datetime; default 30 days ago",
    ),
]
ToQ = Annotated[
    str | None,
    Query(
        alias="to",
        max_length=40,
        description="YYYY-MM-DD (inclusive local day) or ISO datetime; default today",
    ),
]
FormatQ = Annotated[
    OutFormat | None, Query(alias="format", description="json|csv|xlsx; else the Accept header")
]
LangQ = Annotated[Literal["es", "en"], Query(description="CSV/XLSX header language")]
BomQ = Annotated[bool, Query(description="Prefix the CSV with a UTF-8 BOM (for Excel)")]
AcceptH = Annotated[str | None, Header()]
CacheControlH = Annotated[
    str | None,
    Header(
        alias="Cache-Control",
        description="`no-cache` recomputes; otherwise a result up to REPORT_CACHE_SECONDS old "
        "may be served (see the X-Report-Cache response header)",
    ),
]


def negotiate(
    fmt: str | None, accept: str | None, allowed: tuple[str, ...] = ("json", "csv", "xlsx")
) -> OutFormat:
    """`format=` wins; else the first Accept media type in `allowed`; else JSON."""
    if fmt:
        return fmt  # type: ignore[return-value]
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if _BY_MEDIA.get(media) in allowed:
            return _BY_MEDIA[media]  # type: ignore[return-value]
    return "json"


def _period(date_from: str | None, date_to: str | None) -> Period:
    return parse_period(date_from, date_to, config.get_settings().tz)


def _key_part(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _computed(
    name: str,
    compute: Any,
    db: Any,
    period: Period,
    cache_control: str | None,
    **options: Any,
) -> tuple[reports.ReportResult, float | None]:
    """The report, from the short-lived cache when a fresh copy is there."""
    key = (
        name,
        period.start.isoformat(),
        period.end.isoformat(),
        tuple(sorted((k, _key_part(v)) for k, v in options.items())),
    )

    def run() -> reports.ReportResult:
        result = compute(db, period, **options)
        return result._replace(rows=list(result.rows))  # served more than once

    refresh = "no-cache" in (cache_control or "").lower()
    ttl = config.get_settings().report_cache_seconds
    return cache.cached(key, ttl, run, refresh=refresh)


def _respond(
    result: reports.ReportResult,
    period: Period,
    fmt: OutFormat,
    lang: str,
    bom: bool,
    age: float | None = None,
) -> StreamingResponse:
    extra: dict[str, Any] = {"summary": result.summary, "notes": reports.WALL_CLOCK_NOTE}
    body = stream(
        result.rows,
        result.columns,
        fmt,
        meta=result.meta,
        lang="en" if lang == "en" else "es",
        bom=bom,
        extra=extra,
    )
    headers: dict[str, str] = {}
    if fmt != "json":
        name = f"{result.meta.name}_{period.label_from}_{period.label_to}.{fmt}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    headers["X-Report-Cache"] = "miss" if age is None else f"hit; age={int(age)}"
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON envelope, CSV or XLSX)",
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
    }
}


@router.get("/calls", summary="Calls per period or group", responses=_RESPONSES)
def calls_report(
    db: DB,
    _: SupervisorOrAdmin,
    date_from: FromQ = None,
    date_to: ToQ = None,
    group_by: Annotated[
        Literal["day", "week", "month", "operator", "client", "direction", "outcome"], Query()
    ] = "day",
    operator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    direction: CallDirection | None = None,
    outcome: CallOutcome | None = None,
    fmt: FormatQ = None,
    lang: LangQ = "es",
    bom: BomQ = False,
    accept: AcceptH = None,
    cache_control: CacheControlH = None,
) -> StreamingResponse:
    period = _period(date_from, date_to)
    result, age = _computed(
        "calls",
        reports.calls_report,
        db,
        period,
        cache_control,
        group_by=group_by,
        operator_id=operator_id,
        client_id=client_id,
        direction=direction,
        outcome=outcome,
    )
    return _respond(result, period, negotiate(fmt, accept), lang, bom, age)


@router.get("/tickets", summary="Tickets created vs resolved, SLA, CSAT", responses=_RESPONSES)
def tickets_report(
    db: DB,
    _: SupervisorOrAdmin,
    date_from: FromQ = None,
    date_to: ToQ = None,
    group_by: Annotated[Literal["day", "week", "month"], Query()] = "day",
    priority: Annotated[list[TicketPriority] | None, Query(description="Repeatable")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    fmt: FormatQ = None,
    lang: LangQ = "es",
    bom: BomQ = False,
    accept: AcceptH = None,
    cache_control: CacheControlH = None,
) -> StreamingResponse:
    period = _period(date_from, date_to)
    result, age = _computed(
        "tickets",
        reports.tickets_report,
        db,
        period,
        cache_control,
        group_by=group_by,
        priority=priority,
        category=category,
        client_id=client_id,
        assignee_id=assignee_id,
    )
    return _respond(result, period, negotiate(fmt, accept), lang, bom, age)


@router.get("/operators", summary="Per-operator performance and ranking", responses=_RESPONSES)
def operators_report(
    db: DB,
    _: SupervisorOrAdmin,
    date_from: FromQ = None,
    date_to: ToQ = None,
    rank_by: Annotated[
        str, Query(description="One of: " + ", ".join(reports.RANK_METRICS))
    ] = "tickets_resolved",
    role: Annotated[Role | None, Query(description="Default: operators and supervisors")] = None,
    fmt: FormatQ = None,
    lang: LangQ = "es",
    bom: BomQ = False,
    accept: AcceptH = None,
    cache_control: CacheControlH = None,
) -> StreamingResponse:
    if rank_by not in reports.RANK_METRICS:
        raise ValidationFailed("rank_by", "expected one of " + ", ".join(reports.RANK_METRICS))
    period = _period(date_from, date_to)
    result, age = _computed(
        "operators", reports.operators_report, db, period, cache_control, rank_by=rank_by, role=role
    )
    return _respond(result, period, negotiate(fmt, accept), lang, bom, age)


__all__ = ["negotiate", "router"]
