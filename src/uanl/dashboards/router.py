"""`/api/v1/dashboards`: KPIs, charts, the live snapshot and the event stream (any staff)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from uanl.api.deps import DB, AnyStaff
from uanl.core import config
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.dashboards import charts, service
from uanl.dashboards.cache import cached
from uanl.dashboards.events import current_broker, current_cache
from uanl.dashboards.stream import StreamOperator, event_stream
from uanl.models import utcnow
from uanl.reports.periods import parse_period

router = SlashRouter(prefix="/dashboards", tags=["dashboards"])

FromQ = Annotated[
    str | None, Query(alias="from", description="YYYY-MM-DD or ISO 8601, read in TIMEZONE")
]
ToQ = Annotated[str | None, Query(alias="to", description="inclusive date, or exclusive instant")]
CHART_DEFAULT_DAYS = 30


def _dumps(body: Any) -> bytes:
    return json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":")).encode()


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/metrics", summary="KPIs for today and for a period (default: today)")
def get_metrics(db: DB, _: AnyStaff, date_from: FromQ = None, date_to: ToQ = None) -> Response:
    tz = config.get_settings().tz
    period = parse_period(date_from, date_to, tz, default_days=1)
    today = service.today_period(tz)
    key = f"metrics|{period.start.isoformat()}|{period.end.isoformat()}|{today.start.isoformat()}"
    return _json(cached(current_cache(), key, lambda: _dumps(service.metrics(db, period))))


@router.get("/charts", summary="The charts available")
def list_charts(_: AnyStaff) -> list[dict[str, str]]:
    return [
        {"name": name, "title": title, "url": f"/api/v1/dashboards/charts/{name}"}
        for name, (title, _fn) in charts.CHARTS.items()
    ]


@router.get("/charts/{name}", summary="Chart-ready data: labels and series")
def get_chart(
    db: DB,
    _: AnyStaff,
    name: Annotated[str, Path(description="One of GET /dashboards/charts")],
    date_from: FromQ = None,
    date_to: ToQ = None,
    operator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    charts.ensure_known(name)
    period = parse_period(
        date_from, date_to, config.get_settings().tz, default_days=CHART_DEFAULT_DAYS
    )
    filters = charts.Filters(operator_id=operator_id, client_id=client_id, category=category)
    key = "|".join(["chart", name, period.start.isoformat(), period.end.isoformat(), repr(filters)])
    return _json(
        cached(current_cache(), key, lambda: _dumps(charts.build_chart(db, name, period, filters)))
    )


@router.get("/real-time", summary="Current snapshot and the last 20 events")
def get_realtime(db: DB, _: AnyStaff) -> Response:
    now = utcnow()
    key = f"real-time|{now.replace(second=0, microsecond=0).isoformat()}"
    snapshot = json.loads(
        cached(current_cache(), key, lambda: _dumps(service.realtime_snapshot(db, now)))
    )
    snapshot["events"] = [e.__dict__ for e in current_broker().recent(20)]
    return _json(_dumps(snapshot))


@router.get(
    "/stream",
    summary="Server-Sent Events (token as bearer header or ?access_token=)",
    response_class=StreamingResponse,
)
async def stream(
    request: Request,
    _: StreamOperator,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_id_q: Annotated[str | None, Query(alias="last_event_id")] = None,
) -> StreamingResponse:
    broker = await run_in_threadpool(current_broker)
    return StreamingResponse(
        event_stream(request, broker, last_event_id or last_id_q),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
