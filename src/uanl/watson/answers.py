"""Watson's actions done and answered: the one implementation behind both front doors.

The tool endpoints (router.py) and the conversation runners (runners.py) call these. Each
function performs its action (actions.py makes the rows), phrases the reply in the user's
language and returns an `Answer` with that reply in the two shapes its callers hand on: the
webhook turn's `result` (its "links" included) and the tool endpoint's JSON body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Unpack

from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import ServiceUnavailable, ValidationFailed
from uanl.models import Client, Operator, WatsonActivity, utcnow
from uanl.watson import actions, sessions
from uanl.watson.nlu.entities import extract_client
from uanl.watson.nlu.normalize import normalize
from uanl.watson.replies import REPORT_ES, say

ACTION_FOR = {  # intent -> the action a done request records
    "create_ticket": "ticket_created",
    "schedule_visit": "visit_scheduled",
    "send_notification": "notification_sent",
    "generate_report": "report_queued",
    "ticket_status": "ticket_status",
}


@dataclass
class Answer:
    reply: str
    result: dict[str, Any]  # what the webhook records as the turn's result
    tool: dict[str, Any] = field(default_factory=dict)  # the tool endpoint's body, if any


def find_client(db: Session, client_id: int | None, client_name: str | None) -> int | None:
    """The client a tool call names: by id, by exact name, else by the closest name."""
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


def create_ticket(
    db: Session,
    language: str,
    *,
    client_name: str | None = None,
    **request: Unpack[actions.TicketRequest],
) -> Answer:
    """Open a ticket; the reply names the client when `client_name` is given."""
    ticket = actions.open_ticket(db, **request)
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
    facts = {
        "ticket_id": ticket.id,
        "priority": ticket.priority.value,
        "category": ticket.category,
        "client_id": request.get("client_id"),
    }
    return Answer(
        reply,
        result={**facts, "assignee_id": ticket.assignee_id, "links": {"ticket": link}},
        tool={
            "message": reply,
            "ticket_id": ticket.id,
            "title": ticket.title,
            **facts,
            "url": link,
        },
    )


def ticket_status(db: Session, ticket_id: int, language: str) -> Answer:
    """A ticket's state, priority, assignee and due time (NotFound when there is none)."""
    info = actions.ticket_status(db, ticket_id)
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
    return Answer(
        reply,
        result={**info, "links": {"ticket": info["url"]}},
        tool={**info, "message": reply},
    )


def schedule_visit(db: Session, language: str, **request: Unpack[actions.VisitRequest]) -> Answer:
    """Book a visit with a free technician (Conflict or ValidationFailed when it cannot)."""
    visit = actions.book_visit(db, **request)
    operator = db.get(Operator, visit.operator_id) if visit.operator_id else None
    client = db.get(Client, visit.client_id)
    tz = config.get_settings().tz
    reply = say(
        "visit_scheduled",
        language,
        client=client.name if client else visit.client_id,
        when_local=visit.scheduled_start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        operator=operator.name if operator else "—",
        visit_id=visit.id,
    )
    facts = {
        "visit_id": visit.id,
        "client_id": visit.client_id,
        "operator_id": visit.operator_id,
        "operator_name": operator.name if operator else None,
        "scheduled_start": visit.scheduled_start.isoformat(),
        "scheduled_end": visit.scheduled_end.isoformat(),
    }
    return Answer(
        reply,
        result={**facts, "links": {"visit": actions.api_link(f"visits/{visit.id}")}},
        tool={"message": reply, **facts},
    )


def send_notice(
    db: Session,
    language: str,
    *,
    recipient: str,
    body: str,
    client: Client | None = None,
    ticket_id: int | None = None,
) -> Answer:
    """E-mail a notice to `recipient` (no tool endpoint offers this one)."""
    row = actions.notify(
        db,
        recipient=recipient,
        body=body,
        language=language,
        client_id=client.id if client else None,
        ticket_id=ticket_id,
    )
    reply = say("notification_sent", language, recipient=client.name if client else recipient)
    result: dict[str, Any] = {"notification_id": row.id if row else None, "recipient": recipient}
    if ticket_id is not None:
        result["links"] = {"ticket": actions.ticket_link(ticket_id)}
    return Answer(reply, result=result)


def request_report(db: Session, language: str, **request: Unpack[actions.ReportRequest]) -> Answer:
    """Queue a report job whose file is e-mailed to `email`."""
    report, fmt, email = request["report"], request["fmt"], request["email"]
    try:
        job = actions.queue_report(db, language, **request)
    except NotImplementedError as exc:
        raise ServiceUnavailable("Report jobs are not available on this server yet") from exc
    shown = REPORT_ES.get(report, report) if language != "en" else report
    reply = say("report_queued", language, report=shown, format=fmt, email=email)
    return Answer(
        reply,
        result={
            "report_id": job.id,
            "email": email,
            "links": {"report": actions.api_link(f"reports/jobs/{job.id}")},
        },
        tool={"message": reply, "report_id": job.id, "status": str(job.status), "email": email},
    )


def record_tool(
    db: Session,
    session_id: str,
    intent: str,
    text: str,
    answer: Answer,
    language: str,
    started: float,
) -> None:
    """The `watson_activities` row of one tool call (the webhook records its own turns)."""
    db.add(
        WatsonActivity(
            session_id=session_id[:120],
            channel="tool",
            client_id=answer.tool.get("client_id"),
            input_text=text,
            language=language,
            intent=intent,
            confidence=1.0,
            entities={},
            action=ACTION_FOR[intent],
            result=answer.tool,
            reply_text=answer.reply,
            status="ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            created_at=utcnow(),
        )
    )
    db.flush()
