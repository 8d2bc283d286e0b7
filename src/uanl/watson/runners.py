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


@dataclass
class Step:
    """What a runner works with: the session, the slots gathered so far (a runner may drop
    one to ask for it again), the user's language, the message, the known client names and
    the local reference time."""

    db: Session
    slots: dict[str, Any]
    language: str
    inbound: Inbound
    names: dict[str, int]
    reference: datetime

    def ask(self, key: str, missing: str, **values: Any) -> Outcome:
        reply = say(key, self.language, **values)
        return Outcome("needs_input", reply, pending={"missing": missing})


def _done(answer: answers.Answer) -> Outcome:
    return Outcome("ok", answer.reply, result=answer.result)


def _client_id(step: Step) -> int | None:
    slots, inbound = step.slots, step.inbound
    if inbound.client_id is not None and "client" not in slots:
        return actions.require_client(step.db, inbound.client_id).id
    if slots.get("client") in step.names:
        return step.names[slots["client"]]
    by_email = actions.client_by_email(step.db, inbound.user_email)
    return by_email.id if by_email else None


def _create_ticket(step: Step) -> Outcome:
    slots, inbound = step.slots, step.inbound
    client_id = _client_id(step)
    answer = answers.create_ticket(
        step.db,
        step.language,
        text=slots["text"],
        client_id=client_id,
        client_name=next((n for n, i in step.names.items() if i == client_id), None),
        priority=slots.get("priority"),
        requester_name=inbound.user_name,
        requester_email=inbound.user_email or slots.get("email"),
    )
    return _done(answer)


def _schedule_visit(step: Step) -> Outcome:
    db, slots = step.db, step.slots
    ticket_id = slots.get("ticket_id")
    ticket = db.get(Ticket, ticket_id) if ticket_id else None
    client_id = _client_id(step) or (ticket.client_id if ticket else None)
    if client_id is None:
        return step.ask("ask_client", "client")
    if not slots.get("when"):
        return step.ask("ask_when", "when")
    start = datetime.fromisoformat(slots["when"])
    try:
        answer = answers.schedule_visit(
            db,
            step.language,
            client_id=client_id,
            start=start,
            now=step.reference,
            ticket_id=ticket.id if ticket else None,
            notes=slots.get("text"),
        )
    except (Conflict, ValidationFailed) as exc:
        fields = {e.get("field") for e in exc.errors or []}
        if isinstance(exc, Conflict) or fields & {"scheduled_start", "scheduled_end"}:
            slots.pop("when", None)
            return step.ask("ask_other_time", "when", reason=exc.detail)
        raise
    return _done(answer)


def _notify(step: Step) -> Outcome:
    db, slots, names = step.db, step.slots, step.names
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
            return step.ask("no_recipient_address", "email", recipient=client.name)
    elif step.inbound.user_email:
        recipient = step.inbound.user_email
    if not recipient:
        return step.ask("ask_recipient", "email")
    cut = _CONTENT.search(text)
    body = text[cut.end() :].strip() if cut and text[cut.end() :].strip() else text
    answer = answers.send_notice(
        db,
        step.language,
        recipient=recipient,
        body=body,
        client=client,
        ticket_id=ticket.id if ticket else None,
    )
    return _done(answer)


def _report(step: Step) -> Outcome:
    slots = step.slots
    email = slots.get("email") or step.inbound.user_email
    if not email:
        return step.ask("ask_email", "email")
    answer = answers.request_report(
        step.db,
        step.language,
        report=slots.get("report_type") or "tickets",
        fmt=slots.get("format") or "xlsx",
        email=email,
        period=slots.get("period"),
    )
    return _done(answer)


def _status(step: Step) -> Outcome:
    ticket_id = step.slots.get("ticket_id")
    if not ticket_id:
        return step.ask("ask_ticket", "ticket_id")
    try:
        answer = answers.ticket_status(step.db, int(ticket_id), step.language)
    except NotFound:
        step.slots.pop("ticket_id", None)
        return step.ask("ticket_not_found", "ticket_id", ticket_id=ticket_id)
    return _done(answer)


RUNNERS = {
    "create_ticket": _create_ticket,
    "schedule_visit": _schedule_visit,
    "send_notification": _notify,
    "generate_report": _report,
    "ticket_status": _status,
}
