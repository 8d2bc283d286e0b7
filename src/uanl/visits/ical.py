"""iCalendar (RFC 5545) text for an operator's visits, written by hand (no dependency).

What calendar apps need: CRLF line ends, content lines folded at 75 octets (continuation
lines start with one space, never splitting a UTF-8 character), TEXT values with `\\`, `;`,
`,` and newlines escaped, and UTC times in the `YYYYMMDDTHHMMSSZ` form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from uanl.models import ScheduledVisit, VisitState

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//UANL Service Desk//Visitas//ES"

STATUS = {
    VisitState.scheduled: "TENTATIVE",
    VisitState.confirmed: "CONFIRMED",
    VisitState.in_progress: "CONFIRMED",
    VisitState.done: "CONFIRMED",
    VisitState.cancelled: "CANCELLED",
    VisitState.no_show: "CANCELLED",
}
STATE_LABEL = {
    VisitState.scheduled: "Programada",
    VisitState.confirmed: "Confirmada",
    VisitState.in_progress: "En curso",
    VisitState.done: "Realizada",
    VisitState.cancelled: "Cancelada",
    VisitState.no_show: "Cliente ausente",
}


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    start: datetime
    end: datetime
    stamp: datetime
    summary: str
    location: str | None
    description: str | None
    status: str
    sequence: int


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets joined by CRLF + space."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def render(name: str, events: Iterable[IcsEvent], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-PUBLISHED-TTL:PT15M",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(now)}",
            f"LAST-MODIFIED:{utc_stamp(event.stamp)}",
            f"DTSTART:{utc_stamp(event.start)}",
            f"DTEND:{utc_stamp(event.end)}",
            f"SEQUENCE:{event.sequence}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += [f"STATUS:{event.status}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def visit_event(visit: ScheduledVisit, client_name: str, base_url: str) -> IcsEvent:
    host = urlsplit(base_url).hostname or "localhost"
    summary = f"Visita: {client_name}"
    if visit.ticket_id:
        summary += f" (ticket #{visit.ticket_id})"
    details = [f"Estado: {STATE_LABEL[visit.state]}"]
    if visit.ticket_id:
        details.append(f"Ticket: #{visit.ticket_id}")
    if visit.notes:
        details.append(f"Notas: {visit.notes}")
    if visit.cancel_reason:
        details.append(f"Motivo de cancelación: {visit.cancel_reason}")
    return IcsEvent(
        uid=f"visit-{visit.id}@{host}",
        start=visit.scheduled_start,
        end=visit.scheduled_end,
        stamp=visit.updated_at,
        summary=summary,
        location=visit.address,
        description="\n".join(details),
        status=STATUS[visit.state],
        # Calendar apps replace an event only when its sequence grows; version always does.
        sequence=max(visit.version - 1, 0),
    )
