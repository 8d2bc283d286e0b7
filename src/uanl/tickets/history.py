"""A ticket's history: one `ticket_events` row per thing that happened to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from uanl.audit.listener import MASK
from uanl.core.crypto import EncryptedText
from uanl.models import Operator, Ticket, TicketEvent, utcnow


def record_event(
    db: Session,
    ticket: Ticket,
    kind: str,
    actor: Operator | None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
    actor_type: str | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_id=actor.id if actor else None,
        actor_type=actor_type or ("operator" if actor else "system"),
        kind=kind,
        changes=_sealed_masked(changes or {}),
        note=note,
        created_at=utcnow(),
    )
    db.add(event)
    return event


def _sealed_masked(changes: dict[str, Any]) -> dict[str, Any]:
    """The history must not keep in the clear what the ticket's columns encrypt."""
    columns = Ticket.__table__.c
    return {
        field: [None if v is None else MASK for v in values]
        if field in columns
        and isinstance(columns[field].type, EncryptedText)
        and isinstance(values, list)
        else values
        for field, values in changes.items()
    }
