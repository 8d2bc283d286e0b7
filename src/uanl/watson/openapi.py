"""The OpenAPI 3.0.3 document watsonx Orchestrate imports as tools (hand-built, stable).

Orchestrate's importer wants: one server URL, a snake_case `operationId` and a `description`
on every operation, JSON bodies, a declared and referenced API-key scheme and no
`anyOf`/`oneOf`/`allOf` (optional values are `nullable: true`).
"""

from __future__ import annotations

import copy
from typing import Any

from uanl import __version__ as VERSION

PREFIX = "/api/v1/watson"
SECURITY: list[dict[str, list[str]]] = [{"watson_api_key": []}]


def _nullable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "nullable": True, "description": description}


def _str(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _int(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "integer", "description": description, **extra}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Problem"), "Missing or wrong API key"),
    "422": _json(_ref("Problem"), "The request is invalid; `detail` says why"),
    "503": _json(_ref("Problem"), "The Watson integration is not configured on the server"),
}

PRIORITY = {"type": "string", "enum": ["low", "medium", "high", "urgent"]}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": _str("Problem type URI"),
            "title": _str("Short summary"),
            "status": _int("HTTP status"),
            "detail": _str("What went wrong and how to fix it"),
        },
    },
    "User": {
        "type": "object",
        "description": "Who is talking to the assistant",
        "properties": {
            "id": _nullable({"type": "string"}, "User id in the channel"),
            "name": _nullable({"type": "string"}, "Display name"),
            "email": _nullable({"type": "string"}, "E-mail; matched against clients' e-mail"),
        },
    },
    "MessageRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": _str("What the user said, in Spanish or English", maxLength=4000),
            "session_id": _nullable({"type": "string"}, "Conversation id for follow-up turns"),
            "user": _ref("User"),
            "client_id": _nullable({"type": "integer"}, "Client the user speaks for"),
            "locale": _nullable({"type": "string"}, "Language hint: es or en"),
            "message_id": _nullable(
                {"type": "string"},
                "This message's id: a redelivery with the same id returns the first answer "
                "and acts once, even without session_id or Idempotency-Key",
            ),
        },
    },
    "MessageReply": {
        "type": "object",
        "properties": {
            "reply": _str("The answer to show the user, in the user's language"),
            "session_id": _str("Conversation id"),
            "activity_id": _int("Recorded exchange id"),
            "status": _str("Outcome", enum=["ok", "needs_input", "error", "unknown"]),
            "action": _nullable({"type": "string"}, "What was done, if anything"),
            "intent": _str("Understood intent"),
            "confidence": {"type": "number", "description": "Intent confidence (0-1)"},
            "language": _str("Detected language (es or en)"),
            "entities": {"type": "object", "description": "Extracted entities"},
            "result": {"type": "object", "description": "Ids of what was created or read"},
            "links": {"type": "object", "description": "URLs of created resources"},
            "needs": _nullable({"type": "string"}, "What the assistant is asking for next"),
        },
    },
    "AnalyzeRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": _str("Text to understand", maxLength=4000),
            "reference_time": _nullable(
                {"type": "string", "format": "date-time"}, "Resolve relative dates against this"
            ),
            "locale": _nullable({"type": "string"}, "Language hint: es or en"),
        },
    },
    "Analysis": {
        "type": "object",
        "properties": {
            "intent": _str("create_ticket, schedule_visit, send_notification, ..."),
            "confidence": {"type": "number", "description": "0-1"},
            "language": _str("es or en"),
            "entities": {"type": "object", "description": "client, when, priority, ticket_id, ..."},
        },
    },
    "TicketRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": _str("The problem as the user described it", minLength=3, maxLength=4000),
            "title": _nullable({"type": "string"}, "Title; defaults to the first sentence"),
            "client_id": _nullable({"type": "integer"}, "Client id"),
            "client_name": _nullable({"type": "string"}, "Client name (fuzzy-matched)"),
            "priority": _nullable(PRIORITY, "Priority; default medium"),
            "category": _nullable({"type": "string"}, "Category; derived from the text"),
            "requester_name": _nullable({"type": "string"}, "Who reports it"),
            "requester_email": _nullable({"type": "string"}, "Requester e-mail"),
            "language": _nullable({"type": "string", "enum": ["es", "en"]}, "Reply language"),
        },
    },
    "TicketReply": {
        "type": "object",
        "properties": {
            "message": _str("Confirmation for the user"),
            "ticket_id": _int("New ticket id"),
            "title": _str("Ticket title"),
            "priority": _str("Priority"),
            "category": _nullable({"type": "string"}, "Category"),
            "client_id": _nullable({"type": "integer"}, "Client id"),
            "url": _str("Ticket URL"),
        },
    },
    "TicketStatus": {
        "type": "object",
        "properties": {
            "message": _str("Status summary for the user"),
            "ticket_id": _int("Ticket id"),
            "title": _str("Title"),
            "state": _str("new, open, in_progress, waiting, resolved, closed or cancelled"),
            "priority": _str("Priority"),
            "assignee_name": _nullable({"type": "string"}, "Assigned operator"),
            "sla_status": _nullable({"type": "string"}, "on_track, at_risk, breached, ..."),
            "resolution_due_local": _nullable({"type": "string"}, "SLA due, desk time zone"),
            "updated_local": _str("Last update, desk time zone"),
            "url": _str("Ticket URL"),
        },
    },
    "VisitRequest": {
        "type": "object",
        "required": ["start"],
        "properties": {
            "start": _str("Visit start (ISO 8601 with offset)", format="date-time"),
            "duration_minutes": _int("Length; default 60", minimum=15, maximum=480),
            "client_id": _nullable({"type": "integer"}, "Client id"),
            "client_name": _nullable({"type": "string"}, "Client name (fuzzy-matched)"),
            "ticket_id": _nullable({"type": "integer"}, "Related ticket"),
            "notes": _nullable({"type": "string"}, "Notes for the technician"),
            "language": _nullable({"type": "string", "enum": ["es", "en"]}, "Reply language"),
        },
    },
    "VisitReply": {
        "type": "object",
        "properties": {
            "message": _str("Confirmation for the user"),
            "visit_id": _int("Visit id"),
            "client_id": _int("Client id"),
            "operator_id": _nullable({"type": "integer"}, "Technician picked"),
            "operator_name": _nullable({"type": "string"}, "Technician name"),
            "scheduled_start": _str("Start (UTC)", format="date-time"),
            "scheduled_end": _str("End (UTC)", format="date-time"),
        },
    },
    "ReportRequest": {
        "type": "object",
        "required": ["email"],
        "properties": {
            "report": _str("Report type", enum=["tickets", "calls", "operators"]),
            "format": _str("File format", enum=["xlsx", "csv", "json"]),
            "email": _str("Where the file is sent", format="email"),
            "date_from": _nullable({"type": "string", "format": "date"}, "First day"),
            "date_to": _nullable({"type": "string", "format": "date"}, "Last day"),
            "language": _nullable({"type": "string", "enum": ["es", "en"]}, "Reply language"),
        },
    },
    "ReportReply": {
        "type": "object",
        "properties": {
            "message": _str("Confirmation for the user"),
            "report_id": _int("Report job id"),
            "status": _str("Job status (queued)"),
            "email": _str("Recipient"),
        },
    },
}


def _op(
    op_id: str,
    summary: str,
    description: str,
    reply: str,
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "description": description,
        "tags": ["watson"],
        "security": SECURITY,
        "responses": {"200": _json(_ref(reply), "Success"), **ERRORS},
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if params:
        op["parameters"] = params
    return op


PATHS: dict[str, dict[str, Any]] = {
    f"{PREFIX}/webhook": {
        "post": _op(
            "send_message",
            "Talk to the service desk",
            "Send what the user said; the desk understands it (Spanish or English), acts "
            "(opens a ticket, books a visit, sends a notice, queues a report, reads a ticket's "
            "status) and answers. Reuse session_id so follow-up answers complete a request.",
            "MessageReply",
            body="MessageRequest",
        )
    },
    f"{PREFIX}/analyze": {
        "post": _op(
            "analyze_text",
            "Understand a message without acting",
            "Return the intent, confidence, language and entities of a text. Nothing is created.",
            "Analysis",
            body="AnalyzeRequest",
        )
    },
    f"{PREFIX}/tools/tickets": {
        "post": _op(
            "create_ticket",
            "Open a support ticket",
            "Open a ticket from the user's description; priority and category are derived from "
            "the text unless given. Returns the ticket id and URL.",
            "TicketReply",
            body="TicketRequest",
        )
    },
    f"{PREFIX}/tools/tickets/{{ticket_id}}": {
        "get": _op(
            "get_ticket_status",
            "Get a ticket's status",
            "State, priority, assignee, SLA due time and last update of a ticket.",
            "TicketStatus",
            params=[
                {
                    "name": "ticket_id",
                    "in": "path",
                    "required": True,
                    "description": "Ticket number",
                    "schema": {"type": "integer", "minimum": 1},
                },
                {
                    "name": "language",
                    "in": "query",
                    "required": False,
                    "description": "Reply language (es or en)",
                    "schema": {"type": "string", "enum": ["es", "en"]},
                },
            ],
        )
    },
    f"{PREFIX}/tools/visits": {
        "post": _op(
            "schedule_visit",
            "Book an on-site visit",
            "Book a technician visit to a client; the first free technician is picked and "
            "conflicts, working hours and holidays are checked.",
            "VisitReply",
            body="VisitRequest",
        )
    },
    f"{PREFIX}/tools/reports": {
        "post": _op(
            "request_report",
            "Request a report by e-mail",
            "Queue a tickets, calls or operators report; the file is e-mailed when ready.",
            "ReportReply",
            body="ReportRequest",
        )
    },
}


def build_openapi(public_base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "UANL Service Desk tools",
            "description": "Service desk actions for watsonx Orchestrate and Watson Assistant: "
            "open tickets, read their status, book visits and request reports, in Spanish or "
            "English. Authenticate with the WATSON_API_KEY in the X-API-Key header.",
            "version": VERSION,
        },
        "servers": [{"url": public_base_url.rstrip("/")}],
        "security": SECURITY,
        "paths": copy.deepcopy(PATHS),
        "components": {
            "securitySchemes": {
                "watson_api_key": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": "The server's WATSON_API_KEY",
                }
            },
            "schemas": copy.deepcopy(SCHEMAS),
        },
    }
