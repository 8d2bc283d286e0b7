"""What happens to tickets, as domain events (published with `uanl.core.events.publish`).

Each event carries ids for the in-transaction subscribers (which read the rows through the
same session, from its identity map) and `picture`, a small JSON-ready view of the ticket
taken when the event was published, for the after-commit subscribers (dashboards, later
channels and push), which must not touch the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from uanl.core.events import DomainEvent
from uanl.models import Ticket


def plain(value: Any) -> Any:
    return getattr(value, "value", value)


def ticket_picture(ticket: Ticket, changes: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ticket.id,
        "title": ticket.title,
        "state": plain(ticket.state),
        "priority": plain(ticket.priority),
        "sla_status": plain(ticket.sla_status),
        "assignee_id": ticket.assignee_id,
        "client_id": ticket.client_id,
        "category": ticket.category,
        "escalation_level": ticket.escalation_level,
    }
    if changes:
        data["changes"] = {k: [plain(a), plain(b)] for k, (a, b) in changes.items()}
        if "state" in changes:
            data["from"], data["to"] = (plain(v) for v in changes["state"])
    return data


@dataclass(frozen=True)
class TicketFact(DomainEvent):
    """Base of the ticket events."""

    ticket_id: int
    picture: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class TicketCreated(TicketFact):
    actor_id: int | None = None


@dataclass(frozen=True)
class TicketUpdated(TicketFact):
    """Fields changed (`changes`: field -> [before, after])."""

    changes: dict[str, list[Any]] = field(default_factory=dict, compare=False)
    actor_id: int | None = None


@dataclass(frozen=True)
class TicketStateChanged(TicketUpdated):
    """An update that moved the state (also a `TicketUpdated`)."""


@dataclass(frozen=True)
class TicketAssigned(TicketFact):
    """The ticket got an assignee: on create, by an update, or by auto-assignment."""

    assignee_id: int = 0
    actor_id: int | None = None
    automatic: bool = False


@dataclass(frozen=True)
class TicketReplied(TicketFact):
    """A public reply (internal notes publish nothing)."""

    comment_id: int = 0
    actor_id: int | None = None


@dataclass(frozen=True)
class TicketsEscalated(DomainEvent):
    """One escalation sweep's page: (ticket id, context) pairs and their pictures."""

    escalations: tuple[tuple[int, dict[str, Any]], ...]
    pictures: tuple[dict[str, Any], ...] = field(compare=False)


def created(ticket: Ticket, actor_id: int | None) -> TicketCreated:
    return TicketCreated(ticket.id, ticket_picture(ticket), actor_id=actor_id)


def updated(ticket: Ticket, changes: dict[str, list[Any]], actor_id: int | None) -> TicketUpdated:
    kind = TicketStateChanged if "state" in changes else TicketUpdated
    return kind(ticket.id, ticket_picture(ticket, changes), changes=changes, actor_id=actor_id)


def assigned(ticket: Ticket, actor_id: int | None, *, automatic: bool) -> TicketAssigned:
    assert ticket.assignee_id is not None
    return TicketAssigned(
        ticket.id,
        ticket_picture(ticket),
        assignee_id=ticket.assignee_id,
        actor_id=actor_id,
        automatic=automatic,
    )
