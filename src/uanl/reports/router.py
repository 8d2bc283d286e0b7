"""`/reports/*`: summary reports for supervisors, as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Query
from fastapi.responses import StreamingResponse

from uanl.auth.dependencies import DB, SupervisorOrAdmin
from uanl.core.config import get_settings
from uanl.core.errors import ValidationFailed
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import CallDirection, CallOutcome, Role, TicketPriority
from uanl.reports import summary as reports
from uanl.reports.formats import MEDIA_TYPES, stream
from uanl.reports.periods import Period, parse_period

router = SlashRouter(prefix="/reports", tags=["reports"])

OutFormat = Literal["json", "csv", "xlsx"]
_BY_MEDIA = {
    "application/json": "json",
    "text/csv": "csv",
    MEDIA_TYPES["xlsx"]: "xlsx",
}

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


def negotiate(fmt: str | None, accept: str | None) -> OutFormat:
    """`format=` wins; else the first Accept media type we can produce; else JSON."""
    if fmt:
        return fmt  # type: ignore[return-value]
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in _BY_MEDIA:
            return _BY_MEDIA[media]  # type: ignore[return-value]
    return "json"


def _period(date_from: str | None, date_to: str | None) -> Period:
    return parse_period(date_from, date_to, get_settings().tz)


def _respond(
    result: reports.ReportResult, period: Period, fmt: OutFormat, lang: str, bom: bool
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
) -> StreamingResponse:
    period = _period(date_from, date_to)
    result = reports.calls_report(
        db,
        period,
        group_by=group_by,
        operator_id=operator_id,
        client_id=client_id,
        direction=direction,
        outcome=outcome,
    )
    return _respond(result, period, negotiate(fmt, accept), lang, bom)


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
) -> StreamingResponse:
    period = _period(date_from, date_to)
    result = reports.tickets_report(
        db,
        period,
        group_by=group_by,
        priority=priority,
        category=category,
        client_id=client_id,
        assignee_id=assignee_id,
    )
    return _respond(result, period, negotiate(fmt, accept), lang, bom)


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
) -> StreamingResponse:
    if rank_by not in reports.RANK_METRICS:
        raise ValidationFailed("rank_by", "expected one of " + ", ".join(reports.RANK_METRICS))
    period = _period(date_from, date_to)
    result = reports.operators_report(db, period, rank_by=rank_by, role=role)
    return _respond(result, period, negotiate(fmt, accept), lang, bom)


__all__ = ["negotiate", "router"]
