"""Watson HTTP endpoints: webhook, analysis, tools for Orchestrate, status and sessions."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated, Any, Literal

import jwt
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import Field, StringConstraints

from uanl.api.deps import DB, AdminOnly, AnyStaff, PathId
from uanl.api.listing import Paging
from uanl.core import config
from uanl.core.errors import ServiceUnavailable, Unauthorized
from uanl.core.schemas import Email, Strict
from uanl.core.security import decode_access_token
from uanl.core.validators import MAX_ID
from uanl.models import Operator, TicketPriority
from uanl.tickets.schemas import Category, Title
from uanl.watson import answers, conversation, iam, sessions, shapes, status
from uanl.watson.auth import WatsonBody, configured_key, credentials_ok
from uanl.watson.nlu import analyze
from uanl.watson.openapi import build_openapi

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


def _tool_session(request: Request) -> str:
    return request.headers.get("x-thread-id") or request.headers.get("x-session-id") or "tools"


@router.post("/tools/tickets", summary="Tool: open a ticket (Watson API key)")
def tool_create_ticket(
    body: TicketTool, request: Request, db: DB, _raw: WatsonBody
) -> dict[str, Any]:
    started = time.perf_counter()
    lang = body.language or "es"
    answer = answers.create_ticket(
        db,
        lang,
        text=body.text,
        client_id=answers.find_client(db, body.client_id, body.client_name),
        priority=body.priority,
        category=body.category,
        requester_name=body.requester_name,
        requester_email=body.requester_email,
        title=body.title,
    )
    session = _tool_session(request)
    answers.record_tool(db, session, "create_ticket", body.text, answer, lang, started)
    return answer.tool


@router.get("/tools/tickets/{ticket_id}", summary="Tool: a ticket's status (Watson API key)")
def tool_ticket_status(
    ticket_id: PathId,
    db: DB,
    _raw: WatsonBody,
    language: Lang = "es",
) -> dict[str, Any]:
    return answers.ticket_status(db, ticket_id, language).tool


@router.post("/tools/visits", summary="Tool: book a visit (Watson API key)")
def tool_schedule_visit(
    body: VisitTool, request: Request, db: DB, _raw: WatsonBody
) -> dict[str, Any]:
    started = time.perf_counter()
    lang = body.language or "es"
    answer = answers.schedule_visit(
        db,
        lang,
        client_id=answers.find_client(db, body.client_id, body.client_name),
        start=body.start,
        now=conversation.now(),
        minutes=body.duration_minutes,
        ticket_id=body.ticket_id,
        notes=body.notes,
    )
    session = _tool_session(request)
    answers.record_tool(db, session, "schedule_visit", body.notes or "", answer, lang, started)
    return answer.tool


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
    answer = answers.request_report(
        db, lang, report=body.report, fmt=body.format, email=body.email, period=period
    )
    session = _tool_session(request)
    answers.record_tool(db, session, "generate_report", "", answer, lang, started)
    return answer.tool


# -- staff views ------------------------------------------------------------------------


@router.get("/status", summary="Is Watson configured and how is it doing (last 24 h)")
def watson_status(db: DB, _staff: AnyStaff) -> dict[str, Any]:
    return status.overview(db, config.get_settings())


@router.get("/sessions", summary="Recent Watson conversations")
def watson_sessions(db: DB, _staff: AnyStaff, page: Paging) -> dict[str, Any]:
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
