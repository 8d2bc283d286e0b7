"""The five actions as conversation steps: gather what is missing, then let answers.py act
and phrase the reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uanl.core.errors import Conflict, NotFound, ValidationFailed
from uanl.models import Client, Ticket
from uanl.watson import actions, answers
from uanl.watson.answers import ACTION_FOR as ACTION_FOR  # conversation.py takes it from here
from uanl.watson.replies import say
from uanl.watson.shapes import Inbound

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


def _done(answer: answers.Answer) -> Outcome:
    return Outcome("ok", answer.reply, result=answer.result)


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
    answer = answers.create_ticket(
        db,
        language,
        text=slots["text"],
        client_id=client_id,
        client_name=next((n for n, i in names.items() if i == client_id), None),
        priority=slots.get("priority"),
        requester_name=inbound.user_name,
        requester_email=inbound.user_email or slots.get("email"),
    )
    return _done(answer)


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
        answer = answers.schedule_visit(
            db,
            language,
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
    return _done(answer)


def _notify(
    db: Session,
    slots: dict[str, Any],
    language: str,
    inbound: Inbound,
    names: dict[str, int],
    _r: datetime,
) -> Outcome:
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
    answer = answers.send_notice(
        db,
        language,
        recipient=recipient,
        body=body,
        client=client,
        ticket_id=ticket.id if ticket else None,
    )
    return _done(answer)


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
    answer = answers.request_report(
        db,
        language,
        report=slots.get("report_type") or "tickets",
        fmt=slots.get("format") or "xlsx",
        email=email,
        period=slots.get("period"),
    )
    return _done(answer)


def _status(
    db: Session, slots: dict[str, Any], language: str, _i: Inbound, _n: dict[str, int], _r: datetime
) -> Outcome:
    ticket_id = slots.get("ticket_id")
    if not ticket_id:
        return _ask("ask_ticket", language, "ticket_id")
    try:
        answer = answers.ticket_status(db, int(ticket_id), language)
    except NotFound:
        slots.pop("ticket_id", None)
        return _ask("ticket_not_found", language, "ticket_id", ticket_id=ticket_id)
    return _done(answer)


RUNNERS = {
    "create_ticket": _create_ticket,
    "schedule_visit": _schedule_visit,
    "send_notification": _notify,
    "generate_report": _report,
    "ticket_status": _status,
}
