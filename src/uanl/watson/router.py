"""Watson HTTP endpoints: webhook, analysis, tools for Orchestrate, status and sessions."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated, Any, Literal

import jwt
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import Field, StringConstraints

from uanl.auth.dependencies import DB, AdminOnly, AnyStaff
from uanl.core import config
from uanl.core.errors import ServiceUnavailable, Unauthorized, ValidationFailed
from uanl.core.pagination import PageParams, page_params
from uanl.core.schemas import Email, Strict
from uanl.core.security import decode_access_token
from uanl.core.validators import MAX_ID
from uanl.models import Operator, TicketPriority, WatsonActivity, utcnow
from uanl.tickets.schemas import Category, Title
from uanl.watson import actions, conversation, iam, sessions, shapes, status
from uanl.watson.auth import WatsonBody, configured_key, credentials_ok
from uanl.watson.nlu import analyze
from uanl.watson.nlu.entities import extract_client
from uanl.watson.nlu.normalize import normalize
from uanl.watson.openapi import build_openapi
from uanl.watson.replies import REPORT_ES, say

router = APIRouter(prefix="/watson", tags=["watson"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Lang = Literal["es", "en"]


def staff_or_watson(request: Request, db: DB) -> str:
    """A staff access token or Watson's credentials."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            operator = db.get(Operator, int(decode_access_token(token.strip())["sub"]))
        except (jwt.PyJWTError, ValueError, KeyError):
            operator = None
        if operator is not None and operator.is_active:
            return "staff"
    key = configured_key()
    if key is not None and credentials_ok(request, key):
        return "watson"
    raise Unauthorized("Send a staff bearer token or the Watson API key")


StaffOrWatson = Annotated[str, Depends(staff_or_watson)]


class AnalyzeRequest(Strict):
    text: Text
    reference_time: datetime | None = None
    locale: Annotated[str, StringConstraints(max_length=10)] | None = None


@router.post("/analyze", summary="Understand a text without side effects")
def analyze_text(body: AnalyzeRequest, db: DB, _who: StaffOrWatson) -> dict[str, Any]:
    settings = config.get_settings()
    names = sessions.client_names(db)
    result = analyze(
        body.text,
        reference_time=body.reference_time,
        tz=settings.timezone,
        client_names=list(names),
        locale=body.locale,
    )
    return result.to_dict()


@router.post(
    "/webhook",
    summary="Receive a message from Watson, act on it and answer",
    description="Accepts the Orchestrate tool shape, Watson Assistant's pre/post-message "
    'webhook and an OpenAI-style chat body (with `"stream": true` the answer comes as '
    "`text/event-stream` chat.completion.chunk events ending in `data: [DONE]`); "
    "authenticated with WATSON_API_KEY.",
)
def webhook(
    request: Request,
    body: WatsonBody,
    db: DB,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    inbound = shapes.parse(body, dict(request.headers))
    turn = conversation.handle(db, inbound, idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if turn.replayed else {}
    if inbound.stream:
        events = shapes.render_stream(turn.reply, turn.data)
        headers |= {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(iter(events), media_type="text/event-stream", headers=headers)
    return JSONResponse(shapes.render(inbound, body, turn.reply, turn.data), headers=headers)


# -- tools for Orchestrate (same actions as the webhook) -----------------------------------


class TicketTool(Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]
    title: Title | None = None  # the same rules as a ticket's own title
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    client_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    priority: TicketPriority | None = None
    category: Category | None = None
    requester_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    requester_email: Email | None = None
    language: Lang | None = None


class VisitTool(Strict):
    start: datetime
    duration_minutes: int = Field(60, ge=15, le=480)
    client_id: int | None = Field(None, ge=1, le=MAX_ID)
    client_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    language: Lang | None = None


class ReportTool(Strict):
    report: Literal["tickets", "calls", "operators"] = "tickets"
    format: Literal["xlsx", "csv", "json"] = "xlsx"
    email: Email
    date_from: date | None = None
    date_to: date | None = None
    language: Lang | None = None


def _resolve_client(db: DB, client_id: int | None, client_name: str | None) -> int | None:
    if client_id is not None:
        return actions.require_client(db, client_id).id
    if not client_name:
        return None
    names = sessions.client_names(db)
    lowered = {n.lower(): i for n, i in names.items()}
    if client_name.strip().lower() in lowered:
        return lowered[client_name.strip().lower()]
    match = extract_client(normalize(client_name), list(names))
    if match is None:
        raise ValidationFailed("client_name", f"no client matches {client_name!r}")
    return names[match]


def _record_tool(
    db: DB,
    request: Request,
    intent: str,
    action: str,
    text: str,
    result: dict[str, Any],
    reply: str,
    language: str,
    started: float,
) -> None:
    session = request.headers.get("x-thread-id") or request.headers.get("x-session-id") or "tools"
    db.add(
        WatsonActivity(
            session_id=session[:120],
            channel="tool",
            client_id=result.get("client_id"),
            input_text=text,
            language=language,
            intent=intent,
            confidence=1.0,
            entities={},
            action=action,
            result=result,
            reply_text=reply,
            status="ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            created_at=utcnow(),
        )
    )
    db.flush()


@router.post("/tools/tickets", summary="Tool: open a ticket (Watson API key)")
def tool_create_ticket(
    body: TicketTool, request: Request, db: DB, _raw: WatsonBody
) -> dict[str, Any]:
    started = time.perf_counter()
    lang = body.language or "es"
    client_id = _resolve_client(db, body.client_id, body.client_name)
    ticket = actions.open_ticket(
        db,
        text=body.text,
        client_id=client_id,
        priority=body.priority,
        category=body.category,
        requester_name=body.requester_name,
        requester_email=body.requester_email,
        title=body.title,
    )
    url = actions.ticket_link(ticket.id)
    message = say(
        "ticket_created",
        lang,
        ticket_id=ticket.id,
        priority=ticket.priority.value,
        client_part_es="",
        client_part_en="",
        link=url,
    )
    out = {
        "message": message,
        "ticket_id": ticket.id,
        "title": ticket.title,
        "priority": ticket.priority.value,
        "category": ticket.category,
        "client_id": client_id,
        "url": url,
    }
    _record_tool(
        db, request, "create_ticket", "ticket_created", body.text, out, message, lang, started
    )
    return out


@router.get("/tools/tickets/{ticket_id}", summary="Tool: a ticket's status (Watson API key)")
def tool_ticket_status(
    ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    db: DB,
    _raw: WatsonBody,
    language: Lang = "es",
) -> dict[str, Any]:
    info = actions.ticket_status(db, ticket_id)
    info["message"] = say(
        "ticket_status",
        language,
        ticket_id=ticket_id,
        state=info["state"],
        priority=info["priority"],
        assignee=info["assignee_name"] or ("nadie aún" if language == "es" else "nobody yet"),
        due_local=info["resolution_due_local"] or "—",
        updated_local=info["updated_local"],
    )
    return info


@router.post("/tools/visits", summary="Tool: book a visit (Watson API key)")
def tool_schedule_visit(
    body: VisitTool, request: Request, db: DB, _raw: WatsonBody
) -> dict[str, Any]:
    started = time.perf_counter()
    lang = body.language or "es"
    client_id = _resolve_client(db, body.client_id, body.client_name)
    visit = actions.book_visit(
        db,
        client_id=client_id,
        start=body.start,
        now=conversation.now(),
        minutes=body.duration_minutes,
        ticket_id=body.ticket_id,
        notes=body.notes,
    )
    operator = db.get(Operator, visit.operator_id) if visit.operator_id else None
    tz = config.get_settings().tz
    from uanl.models import Client

    client = db.get(Client, visit.client_id)
    message = say(
        "visit_scheduled",
        lang,
        client=client.name if client else visit.client_id,
        when_local=visit.scheduled_start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        operator=operator.name if operator else "—",
        visit_id=visit.id,
    )
    out = {
        "message": message,
        "visit_id": visit.id,
        "client_id": visit.client_id,
        "operator_id": visit.operator_id,
        "operator_name": operator.name if operator else None,
        "scheduled_start": visit.scheduled_start.isoformat(),
        "scheduled_end": visit.scheduled_end.isoformat(),
    }
    _record_tool(
        db,
        request,
        "schedule_visit",
        "visit_scheduled",
        body.notes or "",
        out,
        message,
        lang,
        started,
    )
    return out


@router.post("/tools/reports", summary="Tool: request a report by e-mail (Watson API key)")
def tool_request_report(
    body: ReportTool, request: Request, db: DB, _raw: WatsonBody
) -> dict[str, Any]:
    started = time.perf_counter()
    lang = body.language or "es"
    period = None
    if body.date_from or body.date_to:
        period = {
            "start": body.date_from.isoformat() if body.date_from else "",
            "end": body.date_to.isoformat() if body.date_to else "",
        }
    try:
        job = actions.queue_report(
            db,
            report=body.report,
            fmt=body.format,
            email=body.email,
            period=period,
            language=lang,
        )
    except NotImplementedError as exc:
        raise ServiceUnavailable("Report jobs are not available on this server yet") from exc
    shown = REPORT_ES.get(body.report, body.report) if lang == "es" else body.report
    message = say("report_queued", lang, report=shown, format=body.format, email=body.email)
    out = {"message": message, "report_id": job.id, "status": str(job.status), "email": body.email}
    _record_tool(db, request, "generate_report", "report_queued", "", out, message, lang, started)
    return out


# -- staff views ------------------------------------------------------------------------


@router.get("/status", summary="Is Watson configured and how is it doing (last 24 h)")
def watson_status(db: DB, _staff: AnyStaff) -> dict[str, Any]:
    return status.overview(db, config.get_settings())


@router.get("/sessions", summary="Recent Watson conversations")
def watson_sessions(
    db: DB, _staff: AnyStaff, page: Annotated[PageParams, Depends(page_params)]
) -> dict[str, Any]:
    return status.list_sessions(db, page.limit, page.offset)


@router.get("/sessions/{session_id}", summary="One conversation's transcript")
def watson_session(session_id: str, db: DB, _staff: AnyStaff) -> dict[str, Any]:
    return status.transcript(db, session_id)


@router.post("/test-connection", summary="Check the IBM IAM key and the Assistant instance")
async def connection_check(_admin: AdminOnly) -> dict[str, Any]:
    settings = config.get_settings()
    if not settings.watson_api_key:
        raise ServiceUnavailable("WATSON_API_KEY is not configured")
    return await run_in_threadpool(iam.check_connection, settings)


@router.get("/openapi.json", summary="OpenAPI 3.0.3 tools document for watsonx Orchestrate")
def tools_openapi(_staff: AnyStaff) -> dict[str, Any]:
    return build_openapi(config.get_settings().public_base_url)
