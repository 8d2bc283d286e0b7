"""HTTP for custom reports and the BI analytics feed (`/reports/custom`, `/reports/analytics`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from uanl.api.deps import DB, SupervisorOrAdmin
from uanl.core.db import read_scope
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import TicketPriority, TicketState
from uanl.reports import analytics, custom, export
from uanl.reports.formats import MEDIA_TYPES, stream
from uanl.reports.router import negotiate

router = SlashRouter(prefix="/reports", tags=["reports"])


@router.post(
    "/custom",
    summary="Run a custom report over a whitelisted dataset",
    responses={
        200: {
            "description": "The report as JSON, JSON lines, CSV or XLSX (`format`)",
            "content": {MEDIA_TYPES[f]: {} for f in ("jsonl", "csv", "xlsx")},
        }
    },
)
def custom_report(
    db: DB,
    _: SupervisorOrAdmin,
    body: custom.CustomQuery,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    plan = custom.build_plan(db, body)
    cols = custom.columns(plan)
    fmt = body.format if "format" in body.model_fields_set else _negotiate(accept)
    if fmt == "json":
        items = list(custom.run(db, plan))
        return JSONResponse(
            {
                "dataset": plan.dataset.name,
                "columns": [
                    {
                        "key": c.key,
                        "header": c.header_en if body.lang == "en" else c.header_es,
                        "kind": c.kind,
                    }
                    for c in cols
                ],
                "rows": _jsonable(items),
                "row_count": len(items),
            }
        )
    meta = custom.meta(plan)

    def body_stream() -> Iterator[bytes]:
        # Rows are read while the response is written (the request's session is closed by
        # then): a read-only unit of work of its own, rows fetched in batches.
        with read_scope() as rdb:
            rows = custom.run(rdb, plan)
            yield from stream(rows, cols, fmt, meta=meta, lang=body.lang, bom=body.bom)

    name = f"custom-{plan.dataset.name}.{fmt}"
    return StreamingResponse(
        body_stream(),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _negotiate(accept: str | None) -> Literal["json", "jsonl", "csv", "xlsx"]:
    """The first media type of `Accept` a custom report can be written in; JSON otherwise."""
    return negotiate(None, accept, ("json", "jsonl", "csv", "xlsx"))  # type: ignore[return-value]


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()} for row in rows
    ]


@router.get(
    "/analytics",
    summary="Flat rows for BI tools, incremental by updated_at cursor",
    responses={
        200: {
            "description": "Rows as JSON (`format=json`), JSON lines or CSV",
            "content": {MEDIA_TYPES["jsonl"]: {}, MEDIA_TYPES["csv"]: {}},
        }
    },
)
def analytics_feed(
    db: DB,
    _: SupervisorOrAdmin,
    request: Request,
    entity: Literal["tickets", "calls"] = "tickets",
    updated_since: Annotated[datetime | None, Query(description="ISO 8601; first sync")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=analytics.MAX_PAGE)] = 1000,
    format: Literal["json", "jsonl", "csv"] = "json",
    lang: Literal["es", "en"] = "es",
    bom: Annotated[bool, Query(description="CSV: start with a UTF-8 BOM (Excel)")] = False,
) -> Response:
    rows, next_cursor, has_more = analytics.page(
        db, entity, cursor=cursor, updated_since=updated_since, limit=limit
    )
    headers: dict[str, str] = {}
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
        query = {"entity": entity, "cursor": next_cursor, "limit": limit, "format": format}
        url = str(request.url.replace(query=urlencode(query)))
        headers["Link"] = f'<{url}>; rel="{"next" if has_more else "sync"}"'
    headers["X-Has-More"] = "true" if has_more else "false"
    if format == "json":
        return JSONResponse(
            {"items": _jsonable(rows), "next_cursor": next_cursor, "has_more": has_more},
            headers=headers,
        )
    params = {"entity": entity, "updated_since": updated_since, "cursor": cursor}
    body = stream(
        rows,
        analytics.columns_for(entity),
        format,
        meta=analytics.meta(entity, params),
        lang=lang,
        bom=bom,
    )
    return StreamingResponse(body, media_type=MEDIA_TYPES[format], headers=headers)


@router.get(
    "/export",
    summary="Every ticket or call matching the filters, streamed as CSV",
    description=(
        "Streams the whole result (no page size): on PostgreSQL the database writes the CSV "
        "itself (COPY), so a million rows arrive at `psql \\copy` speed in constant memory. "
        "Times are local (`TIMEZONE`) as `YYYY-MM-DD HH:MM:SS`; dates filter on created_at "
        "(tickets) or started_at (calls), inclusive. For XLSX or e-mailed files queue a "
        "report job (`POST /reports/jobs`, report `analytics`)."
    ),
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, header row first"}},
)
def export_csv(
    _: SupervisorOrAdmin,
    entity: Literal["tickets", "calls"] = "tickets",
    date_from: date | None = None,
    date_to: date | None = None,
    state: TicketState | None = None,
    priority: TicketPriority | None = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    operator_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="assignee / call operator")
    ] = None,
    lang: Literal["es", "en"] = "es",
    bom: Annotated[bool, Query(description="Start with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    flt = export.ExportFilter(entity, date_from, date_to, state, priority, client_id, operator_id)
    flt.check()  # bad filters are a 422 before the first byte, not a broken download

    def body() -> Iterator[bytes]:
        if bom:
            yield "\ufeff".encode()
        with read_scope() as db:
            yield from export.csv_chunks(db, flt, lang)

    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{entity}-{stamp}.csv"'},
    )
