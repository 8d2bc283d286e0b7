"""The five actions as conversation steps: gather what is missing, act, phrase the reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import AppError, Conflict, NotFound, ValidationFailed
from uanl.models import Ticket
from uanl.watson import actions
from uanl.watson.replies import REPORT_ES, say
from uanl.watson.shapes import Inbound

ACTION_FOR = {
    "create_ticket": "ticket_created",
    "schedule_visit": "visit_scheduled",
    "send_notification": "notification_sent",
    "generate_report": "report_queued",
    "ticket_status": "ticket_status",
}
_CONTENT = re.compile(r"\b(?:que|that|diciendo|saying|avisando|informando)\b|:", re.IGNORECASE)


@dataclass
class Outcome:
    status: str  # ok | needs_input | error | unknown
    reply: str
    action: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    error: str | None = None


def _ask(key: str, language: str, missing: str, **values: Any) -> Outcome:
    return Outcome("needs_input", say(key, language, **values), pending={"missing": missing})


def _client_id(
    db: Session, slots: dict[str, Any], inbound: Inbound, names: dict[str, int]
) -> int | None:
    if inbound.client_id is not None and "client" not in slots:
        return actions.require_client(db, inbound.client_id).id
    if slots.get("client") in names:
        return names[slots["client"]]
    by_email = actions.client_by_email(db, inbound.user_email)
    return by_email.id if by_email else None


def _create_ticket(
    db: Session,
    slots: dict[str, Any],
    language: str,
    inbound: Inbound,
    names: dict[str, int],
    _r: datetime,
) -> Outcome:
    client_id = _client_id(db, slots, inbound, names)
    ticket = actions.open_ticket(
        db,
        text=slots["text"],
        client_id=client_id,
        priority=slots.get("priority"),
        requester_name=inbound.user_name,
        requester_email=inbound.user_email or slots.get("email"),
    )
    client_name = next((n for n, i in names.items() if i == client_id), None)
    link = actions.ticket_link(ticket.id)
    reply = say(
        "ticket_created",
        language,
        ticket_id=ticket.id,
        priority=ticket.priority.value,
        client_part_es=f" para {client_name}" if client_name else "",
        client_part_en=f" for {client_name}" if client_name else "",
        link=link,
    )
    result = {
        "ticket_id": ticket.id,
        "priority": ticket.priority.value,
        "category": ticket.category,
        "client_id": client_id,
        "assignee_id": ticket.assignee_id,
        "links": {"ticket": link},
    }
    return Outcome("ok", reply, result=result)


def _schedule_visit(
    db: Session,
    slots: dict[str, Any],
    language: str,
    inbound: Inbound,
    names: dict[str, int],
    ref: datetime,
) -> Outcome:
    ticket_id = slots.get("ticket_id")
    ticket = db.get(Ticket, ticket_id) if ticket_id else None
    client_id = _client_id(db, slots, inbound, names) or (ticket.client_id if ticket else None)
    if client_id is None:
        return _ask("ask_client", language, "client")
    if not slots.get("when"):
        return _ask("ask_when", language, "when")
    start = datetime.fromisoformat(slots["when"])
    try:
        visit = actions.book_visit(
            db,
            client_id=client_id,
            start=start,
            now=ref,
            ticket_id=ticket.id if ticket else None,
            notes=slots.get("text"),
        )
    except (Conflict, ValidationFailed) as exc:
        fields = {e.get("field") for e in exc.errors or []}
        if isinstance(exc, Conflict) or fields & {"scheduled_start", "scheduled_end"}:
            slots.pop("when", None)
            return _ask("ask_other_time", language, "when", reason=exc.detail)
        raise
    tz = config.get_settings().tz
    from uanl.models import Client, Operator

    operator = db.get(Operator, visit.operator_id) if visit.operator_id else None
    client = db.get(Client, client_id)
    reply = say(
        "visit_scheduled",
        language,
        client=client.name if client else client_id,
        when_local=visit.scheduled_start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        operator=operator.name if operator else "—",
        visit_id=visit.id,
    )
    result = {
        "visit_id": visit.id,
        "client_id": client_id,
        "operator_id": visit.operator_id,
        "operator_name": operator.name if operator else None,
        "scheduled_start": visit.scheduled_start.isoformat(),
        "scheduled_end": visit.scheduled_end.isoformat(),
        "links": {"visit": actions.api_link(f"visits/{visit.id}")},
    }
    return Outcome("ok", reply, result=result)


def _notify(
    db: Session,
    slots: dict[str, Any],
    language: str,
    inbound: Inbound,
    names: dict[str, int],
    _r: datetime,
) -> Outcome:
    from uanl.models import Client

    text = slots["text"]
    ticket_id = slots.get("ticket_id")
    ticket = db.get(Ticket, ticket_id) if ticket_id else None
    client: Client | None = None
    recipient: str | None = None
    if slots.get("email"):
        recipient = slots["email"]
    elif slots.get("client") in names or ticket is not None and ticket.client_id:
        cid = names.get(slots.get("client") or "") or (ticket.client_id if ticket else None)
        client = db.get(Client, cid) if cid else None
        recipient = client.email if client else None
        if client is not None and not recipient:
            return _ask("no_recipient_address", language, "email", recipient=client.name)
    elif inbound.user_email:
        recipient = inbound.user_email
    if not recipient:
        return _ask("ask_recipient", language, "email")
    cut = _CONTENT.search(text)
    body = text[cut.end() :].strip() if cut and text[cut.end() :].strip() else text
    row = actions.notify(
        db,
        recipient=recipient,
        body=body,
        language=language,
        client_id=client.id if client else None,
        ticket_id=ticket.id if ticket else None,
    )
    shown = client.name if client else recipient
    result: dict[str, Any] = {"notification_id": row.id if row else None, "recipient": recipient}
    if ticket is not None:
        result["links"] = {"ticket": actions.ticket_link(ticket.id)}
    return Outcome("ok", say("notification_sent", language, recipient=shown), result=result)


def _report(
    db: Session,
    slots: dict[str, Any],
    language: str,
    inbound: Inbound,
    _n: dict[str, int],
    _r: datetime,
) -> Outcome:
    email = slots.get("email") or inbound.user_email
    if not email:
        return _ask("ask_email", language, "email")
    report = slots.get("report_type") or "tickets"
    fmt = slots.get("format") or "xlsx"
    try:
        job = actions.queue_report(
            db,
            report=report,
            fmt=fmt,
            email=email,
            period=slots.get("period"),
            language=language,
        )
    except NotImplementedError as exc:
        raise AppError("report jobs are not available on this server yet") from exc
    shown = REPORT_ES.get(report, report) if language != "en" else report
    reply = say("report_queued", language, report=shown, format=fmt, email=email)
    result = {
        "report_id": job.id,
        "email": email,
        "links": {"report": actions.api_link(f"reports/jobs/{job.id}")},
    }
    return Outcome("ok", reply, result=result)


def _status(
    db: Session, slots: dict[str, Any], language: str, _i: Inbound, _n: dict[str, int], _r: datetime
) -> Outcome:
    ticket_id = slots.get("ticket_id")
    if not ticket_id:
        return _ask("ask_ticket", language, "ticket_id")
    try:
        info = actions.ticket_status(db, int(ticket_id))
    except NotFound:
        slots.pop("ticket_id", None)
        return _ask("ticket_not_found", language, "ticket_id", ticket_id=ticket_id)
    reply = say(
        "ticket_status",
        language,
        ticket_id=info["ticket_id"],
        state=info["state"],
        priority=info["priority"],
        assignee=info["assignee_name"] or ("nadie aún" if language != "en" else "nobody yet"),
        due_local=info["resolution_due_local"] or "—",
        updated_local=info["updated_local"],
    )
    return Outcome("ok", reply, result={**info, "links": {"ticket": info["url"]}})


RUNNERS = {
    "create_ticket": _create_ticket,
    "schedule_visit": _schedule_visit,
    "send_notification": _notify,
    "generate_report": _report,
    "ticket_status": _status,
}
