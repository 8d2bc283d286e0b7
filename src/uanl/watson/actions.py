"""What Watson can do, built on the same services the API uses (no HTTP inside).

Each action takes plain values, raises the usual `AppError`s and returns the rows it made;
the webhook (conversation.py) and the tool endpoints (router.py) both call these.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Required, TypedDict, Unpack

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.crypto import blind_index
from uanl.core.errors import NotFound, ValidationFailed
from uanl.models import (
    Client,
    Language,
    Notification,
    Operator,
    Report,
    ScheduledVisit,
    Ticket,
    TicketPriority,
    TicketSource,
)
from uanl.notifications.adhoc import message_context
from uanl.notifications.creation import create_message
from uanl.reports import jobs
from uanl.tickets.schemas import TicketCreate
from uanl.tickets.service import create_ticket
from uanl.visits.schemas import VisitCreate
from uanl.visits.service import create_visit
from uanl.watson.nlu.normalize import normalize

VISIT_MINUTES = 60
TITLE_MAX = 120
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

CATEGORY_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("facturacion", re.compile(r"\b(factura\w*|cfdi|timbrado|billing|invoices?|sat)\b")),
    (
        "redes",
        re.compile(
            r"\b(red|redes|internet|wifi|wi fi|vpn|router|modem|switch|conexion|network|"
            r"ethernet|sin senal)\b"
        ),
    ),
    (
        "hardware",
        re.compile(
            r"\b(impresora\w*|printer|monitor|teclado|keyboard|mouse|raton|laptop|computadora|"
            r"pc|escaner|scanner|proyector|projector|cpu|disco|fuente de poder|pantalla)\b"
        ),
    ),
    ("telefonia", re.compile(r"\b(telefono|conmutador|extension|phone|telefonia)\b")),
    ("correo", re.compile(r"\b(correo|outlook|email|e mail|buzon|mailbox)\b")),
    (
        "accesos",
        re.compile(r"\b(contrasena|password|acceso|bloqueado|login|usuario|permisos?)\b"),
    ),
    (
        "software",
        re.compile(r"\b(sistema|aplicacion|app|software|siase|office|excel|windows|programa)\b"),
    ),
]
_REQUEST_PREFIX = re.compile(
    r"^\s*(?:(?:hola|buen(?:os|as)? (?:dias|tardes|noches)|hi|hello)[,!.\s]+)?"
    r"(?:(?:por favor|porfa|please)[,\s]+)?"
    r"(?:(?:quiero|necesito|i need to|i want to)\s+)?"
    r"(?:abre|abrir|crea|crear|levanta|levantar|genera|reporta|open|create|raise|log)\s+"
    r"(?:un|una|a|an)\s+(?:ticket|reporte|incidencia|issue)\b[^:,]*[:,]\s*",
    re.IGNORECASE,
)


def category_for(text: str) -> str | None:
    norm = normalize(EMAIL_RE.sub(" ", text))
    for category, pattern in CATEGORY_RULES:
        if pattern.search(norm):
            return category
    return None


def title_for(text: str) -> str:
    """A cleaned first sentence of at most TITLE_MAX characters."""
    body = _REQUEST_PREFIX.sub("", text.strip(), count=1) or text.strip()
    first = re.split(r"(?<=[.!?])\s+|\n", body, maxsplit=1)[0].strip(" .!¡¿?-")
    first = " ".join(first.split())
    if len(first) > TITLE_MAX:
        first = first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    if len(first) < 3:
        first = " ".join(text.split())[:TITLE_MAX] or "Solicitud vía Watson"
    return first[0].upper() + first[1:] if len(first) >= 3 else "Solicitud vía Watson"


def api_link(path: str) -> str:
    """An absolute API URL under PUBLIC_BASE_URL, e.g. api_link("visits/7")."""
    base = config.get_settings().public_base_url.rstrip("/")
    return f"{base}/api/v1/{path}"


def ticket_link(ticket_id: int) -> str:
    return api_link(f"tickets/{ticket_id}")


def client_by_email(db: Session, email: str | None) -> Client | None:
    if not email:
        return None
    digest = blind_index("email", email)  # e-mail is encrypted: its blind index is searchable
    if digest is None:
        return None
    return db.scalars(select(Client).where(Client.email_bidx == digest).order_by(Client.id)).first()


def require_client(db: Session, client_id: int, field: str = "client_id") -> Client:
    client = db.get(Client, client_id)
    if client is None:
        raise ValidationFailed(field, f"client {client_id} does not exist")
    return client


# -- actions ----------------------------------------------------------------------------


class TicketRequest(TypedDict, total=False):
    """What opening a ticket from Watson takes: the user's text, the rest when known."""

    text: Required[str]
    client_id: int | None
    priority: str | None
    category: str | None
    requester_name: str | None
    requester_email: str | None
    title: str | None


class VisitRequest(TypedDict, total=False):
    """What booking a visit from Watson takes: client, start and now; the rest optional."""

    client_id: Required[int | None]
    start: Required[datetime]
    now: Required[datetime]
    minutes: int
    ticket_id: int | None
    notes: str | None


class ReportRequest(TypedDict, total=False):
    """What requesting a report from Watson takes: which, in what format, to whom, when."""

    report: Required[str]
    fmt: Required[str]
    email: Required[str]
    period: dict[str, str] | None


def open_ticket(db: Session, **request: Unpack[TicketRequest]) -> Ticket:
    text = request["text"]
    values: dict[str, Any] = {
        "title": request.get("title") or title_for(text),
        "description": text,
        "priority": request.get("priority") or TicketPriority.medium,
        "category": request.get("category") or category_for(text),
        "client_id": request.get("client_id"),
        "source": TicketSource.watson,
        "requester_name": request.get("requester_name"),
        "requester_email": request.get("requester_email"),
    }
    try:
        data = TicketCreate(**values)
    except ValidationError:
        values["requester_email"] = None  # an odd address from the chat must not block it
        data = TicketCreate(**values)
    return create_ticket(db, data, None, actor_type="watson")


def book_visit(db: Session, **request: Unpack[VisitRequest]) -> ScheduledVisit:
    start = request["start"]
    data = VisitCreate(
        client_id=request["client_id"],
        ticket_id=request.get("ticket_id"),
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=request.get("minutes", VISIT_MINUTES)),
        notes=request.get("notes"),
    )
    return create_visit(db, data, None, now=request["now"])


def notify(
    db: Session,
    *,
    recipient: str,
    body: str,
    language: str,
    client_id: int | None = None,
    ticket_id: int | None = None,
) -> Notification | None:
    subject = "Aviso de la Mesa de Servicio" if language != "en" else "Service desk notice"
    if ticket_id:
        subject += f" — ticket #{ticket_id}"
    link = ticket_link(ticket_id) if ticket_id else None
    context = {
        **message_context(subject, body, ticket_id, link, "Watson", None),
        "public_base_url": config.get_settings().public_base_url,
    }
    return create_message(
        db,
        "adhoc",
        recipient,
        context,
        language=Language.en if language == "en" else Language.es,
        recipient_client_id=client_id,
        ticket_id=ticket_id,
    )


def queue_report(db: Session, language: str, **request: Unpack[ReportRequest]) -> Report:
    period = request.get("period")
    params: dict[str, Any] = {"lang": "en" if language == "en" else "es"}
    if period:
        if period.get("start"):
            params["date_from"] = period["start"]
        if period.get("end"):
            params["date_to"] = period["end"]
    return jobs.create_job(
        db,
        report=request["report"],
        format=request["fmt"],
        params=params,
        requested_by_id=None,
        email_to=[request["email"]],
    )


def ticket_status(db: Session, ticket_id: int) -> dict[str, Any]:
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    tz = config.get_settings().tz
    assignee = db.get(Operator, ticket.assignee_id) if ticket.assignee_id else None
    due = ticket.resolution_due_at
    return {
        "ticket_id": ticket.id,
        "title": ticket.title,
        "state": ticket.state.value,
        "priority": ticket.priority.value,
        "assignee_id": ticket.assignee_id,
        "assignee_name": assignee.name if assignee else None,
        "sla_status": ticket.sla_status.value if ticket.sla_status else None,
        "resolution_due_at": due.isoformat() if due else None,
        "resolution_due_local": _local(due, tz),
        "updated_at": ticket.updated_at.isoformat(),
        "updated_local": _local(ticket.updated_at, tz),
        "url": ticket_link(ticket.id),
    }


def _local(value: datetime | None, tz: Any) -> str | None:
    if value is None:
        return None
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
