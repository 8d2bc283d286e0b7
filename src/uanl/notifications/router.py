"""Notifications API (staff) and the public satisfaction survey."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AwareDatetime, ValidationError

from uanl.api.deps import DB, CurrentOperator, SupervisorOrAdmin, path_dependency
from uanl.api.listing import Listing, listing_params
from uanl.core import config
from uanl.core.errors import AppError, ValidationFailed
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import Client, Notification, NotificationChannel, NotificationStatus
from uanl.notifications import csat, visibility
from uanl.notifications.adhoc import create_adhoc
from uanl.notifications.listing import list_query
from uanl.notifications.render import _environment
from uanl.notifications.retry import retry
from uanl.notifications.schemas import (
    CsatAnswer,
    CsatResult,
    NotificationCreate,
    NotificationRead,
)

router = SlashRouter(prefix="/notifications", tags=["notifications"])
csat_router = SlashRouter(prefix="/csat", tags=["csat (public)"])

SORTS = {
    "id": Notification.id,
    "created_at": Notification.created_at,
    "sent_at": Notification.sent_at,
    "status": Notification.status,
    "next_attempt_at": Notification.next_attempt_at,
}
NotificationListing = Annotated[
    Listing,
    Depends(
        listing_params(
            SORTS, "-created_at", Notification.id.desc(), "e.g. -created_at or status,id"
        )
    ),
]
# The row, if the caller may read it (operators: their own); otherwise a 404.
ValidNotification = Annotated[
    Notification, Depends(path_dependency("notification_id", visibility.get_visible))
]


@router.get(
    "/",
    response_model=Page[NotificationRead],
    summary="List notifications (operators: those addressed to them; links redacted)",
)
def list_notifications(
    db: DB,
    actor: CurrentOperator,
    listing: NotificationListing,
    status_: Annotated[
        list[NotificationStatus] | None, Query(alias="status", description="Repeatable")
    ] = None,
    channel: NotificationChannel | None = None,
    event: Annotated[str | None, Query(max_length=60)] = None,
    ticket_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    visit_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    report_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    recipient: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=254,
            description=(
                "The whole address, exact match (e-mail case-insensitive, phone digits only): "
                "recipients are encrypted at rest and found through a blind index, so "
                "substrings no longer match"
            ),
        ),
    ] = None,
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
) -> Page[NotificationRead]:
    listing.order()  # a bad sort is reported before a bad date range
    if created_from and created_to and created_from > created_to:
        raise ValidationFailed("created_to", "must not be before created_from")
    query = list_query(
        statuses=status_,
        channel=channel,
        event=event,
        ticket_id=ticket_id,
        visit_id=visit_id,
        report_id=report_id,
        recipient=recipient,
        created_from=created_from,
        created_to=created_to,
    )
    # This page has never flagged an estimated total (see api.listing.page_of).
    return listing.respond(
        db, visibility.visible(query, actor), NotificationRead.from_row, flag_estimate=False
    )


@router.post(
    "/",
    response_model=NotificationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Send an ad-hoc message (queued; delivered by a worker)",
)
def create_notification(
    body: NotificationCreate,
    db: DB,
    actor: CurrentOperator,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=150)] = None,
) -> NotificationRead:
    row, created = create_adhoc(db, body, actor, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return NotificationRead.from_row(row)


@router.get("/{notification_id}", response_model=NotificationRead, summary="Get a notification")
def get_notification(row: ValidNotification) -> NotificationRead:
    return NotificationRead.from_row(row)


@router.post(
    "/{notification_id}/retry",
    response_model=NotificationRead,
    summary="Queue a failed or cancelled notification again (fresh attempt budget)",
)
def retry_notification(
    row: ValidNotification, db: DB, actor: SupervisorOrAdmin
) -> NotificationRead:
    return NotificationRead.from_row(retry(db, row, actor))


# --------------------------------------------------------------------------- CSAT (public)

PAGE_TEXT = {
    "es": {
        "title": "¿Cómo lo atendimos?",
        "intro": "Califique la atención de su ticket",
        "scale": "1 = muy insatisfecho · 5 = muy satisfecho",
        "comment": "Comentario (opcional)",
        "send": "Enviar",
        "thanks": "¡Gracias! Registramos su calificación.",
    },
    "en": {
        "title": "How did we do?",
        "intro": "Rate the service on your ticket",
        "scale": "1 = very dissatisfied · 5 = very satisfied",
        "comment": "Comment (optional)",
        "send": "Send",
        "thanks": "Thank you! Your rating has been recorded.",
    },
}


def _page_language(db: Any, ticket_client_id: int | None, lang: str | None) -> str:
    if lang in PAGE_TEXT:
        return str(lang)
    client = db.get(Client, ticket_client_id) if ticket_client_id else None
    return client.language.value if client else "es"


def _page(lang: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    settings = config.get_settings()
    template = _environment(True, settings.timezone).get_template("_csat_page.html.jinja")
    values.setdefault("message", None)
    html = template.render(lang=lang, t=PAGE_TEXT[lang], **values)
    return HTMLResponse(html, status_code=status_code)


@csat_router.get(
    "/{token}",
    response_class=HTMLResponse,
    summary="Satisfaction survey page (signed link, no login)",
    # A person opens this link in a browser: a bad, answered or expired link is a page too.
    responses={code: {"content": {"text/html": {}}} for code in (400, 403, 404, 409, 410)},
)
def csat_page(
    token: str,
    db: DB,
    score: Annotated[int | None, Query(ge=1, le=5)] = None,
    lang: Annotated[str | None, Query(pattern="^(es|en)$")] = None,
) -> HTMLResponse:
    # The e-mail's 1-5 links land here with the score preselected; saving takes one more click
    # because mail scanners fetch every GET link and must not vote.
    try:
        ticket = csat.load_ticket(db, token)
    except AppError as exc:
        return _page(lang or "es", exc.status, message=exc.detail)
    language = _page_language(db, ticket.client_id, lang)
    if ticket.csat_submitted_at is not None:
        return _page(language, 409, message=PAGE_TEXT[language]["thanks"])
    return _page(
        language,
        ticket_id=ticket.id,
        ticket_title=ticket.title,
        score=score,
        action=f"{csat.API_PATH}/{token}" + (f"?lang={lang}" if lang else ""),
    )


def no_staff_credentials(request: Request) -> None:
    """The survey is the client's: a request with staff credentials (any Authorization
    header, valid or not; the console sends its token that way) is refused."""
    if request.headers.get("authorization"):
        raise csat.StaffAnswer(
            "Satisfaction surveys are answered by the client from the e-mailed link; "
            "requests with staff credentials (Authorization header) are refused"
        )


async def csat_answer(request: Request) -> tuple[CsatAnswer, bool]:
    """Accept a browser form or JSON; returns (answer, wants_html)."""
    content_type = request.headers.get("content-type", "")
    is_json = content_type.startswith("application/json")
    data: Any
    if is_json:
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError as exc:
            raise ValidationFailed("body", "not valid JSON") from exc
    else:
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
    if not isinstance(data, dict):
        raise ValidationFailed("body", "expected an object with score and comment")
    try:
        return CsatAnswer.model_validate(data), not is_json
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


@csat_router.post(
    "/{token}",
    response_model=CsatResult,
    summary="Answer the satisfaction survey (form or JSON {score, comment}); no staff credentials",
    responses={400: {}, 403: {}, 404: {}, 409: {}, 410: {}},
    dependencies=[Depends(no_staff_credentials)],
)
def csat_submit(
    token: str,
    db: DB,
    answer: Annotated[tuple[CsatAnswer, bool], Depends(csat_answer)],
    lang: Annotated[str | None, Query(pattern="^(es|en)$")] = None,
) -> Response | CsatResult:
    body, wants_html = answer
    try:
        ticket = csat.load_ticket(db, token)
        language = _page_language(db, ticket.client_id, lang)
        csat.submit(db, ticket, body.score, body.comment)
    except AppError as exc:
        if not wants_html:
            raise
        return _page(lang or "es", exc.status, message=exc.detail)
    if wants_html:
        return _page(language, message=PAGE_TEXT[language]["thanks"])
    assert ticket.csat_score is not None and ticket.csat_submitted_at is not None
    return JSONResponse(
        CsatResult(
            ticket_id=ticket.id,
            csat_score=ticket.csat_score,
            csat_comment=ticket.csat_comment,
            csat_submitted_at=ticket.csat_submitted_at,
        ).model_dump(mode="json")
    )
