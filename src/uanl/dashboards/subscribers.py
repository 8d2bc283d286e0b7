"""The live dashboards hear the domain's events once their transaction has committed.

Registered as after-commit subscribers by `uanl.wiring`; each turns a domain event into the
dashboard event the console already understands (kinds in `uanl.dashboards.events`).
"""

from __future__ import annotations

from typing import Any

from uanl.calls.events import CallLogged
from uanl.core.events import committed_engine
from uanl.dashboards.events import (
    CALL_LOGGED,
    TICKET_ASSIGNED,
    TICKET_CREATED,
    TICKET_ESCALATED,
    TICKET_STATE_CHANGED,
    TICKET_UPDATED,
    VISIT_CREATED,
    VISIT_UPDATED,
    publish_now,
)
from uanl.tickets.events import (
    TicketAssigned,
    TicketCreated,
    TicketsEscalated,
    TicketStateChanged,
    TicketUpdated,
)
from uanl.visits.events import VisitScheduled, VisitStateChanged


def _publish(kind: str, picture: dict[str, Any]) -> None:
    publish_now(kind, picture, committed_engine())


def on_ticket_created(event: TicketCreated) -> None:
    _publish(TICKET_CREATED, event.picture)


def on_ticket_updated(event: TicketUpdated) -> None:
    kind = TICKET_STATE_CHANGED if isinstance(event, TicketStateChanged) else TICKET_UPDATED
    _publish(kind, event.picture)


def on_ticket_assigned(event: TicketAssigned) -> None:
    # A create or an update that sets the assignee already publishes its own event, which
    # carries the assignee; only auto-assignment is news of its own.
    if event.automatic:
        _publish(TICKET_ASSIGNED, event.picture)


def on_tickets_escalated(event: TicketsEscalated) -> None:
    for picture in event.pictures:
        _publish(TICKET_ESCALATED, picture)


def on_call_logged(event: CallLogged) -> None:
    _publish(CALL_LOGGED, event.picture)


def on_visit_scheduled(event: VisitScheduled) -> None:
    _publish(VISIT_CREATED, event.picture)


def on_visit_state_changed(event: VisitStateChanged) -> None:
    _publish(VISIT_UPDATED, event.picture)
