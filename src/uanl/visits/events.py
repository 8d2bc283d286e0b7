"""What happens to scheduled visits, as domain events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from uanl.core.events import DomainEvent
from uanl.models import ScheduledVisit


def visit_picture(visit: ScheduledVisit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "state": getattr(visit.state, "value", visit.state),
        "operator_id": visit.operator_id,
        "client_id": visit.client_id,
        "ticket_id": visit.ticket_id,
        "scheduled_start": visit.scheduled_start.isoformat() if visit.scheduled_start else None,
    }


@dataclass(frozen=True)
class VisitFact(DomainEvent):
    visit_id: int
    actor_id: int | None


@dataclass(frozen=True)
class VisitScheduled(VisitFact):
    picture: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class VisitRescheduled(VisitFact):
    """New times or a new technician (`changes`: field -> [before, after])."""

    changes: dict[str, list[Any]] = field(compare=False)


@dataclass(frozen=True)
class VisitStateChanged(VisitFact):
    picture: dict[str, Any] = field(compare=False)
    reason: str | None = None


@dataclass(frozen=True)
class VisitCancelled(VisitStateChanged):
    """A state change to cancelled (also a `VisitStateChanged`)."""


@dataclass(frozen=True)
class VisitReminderDue(DomainEvent):
    """The reminder sweep claimed this visit's 24 h or 1 h reminder."""

    visit_id: int
    before: str  # "24h" | "1h"


def scheduled(visit: ScheduledVisit, actor_id: int | None) -> VisitScheduled:
    return VisitScheduled(visit.id, actor_id, visit_picture(visit))


def state_changed(
    visit: ScheduledVisit, actor_id: int | None, reason: str | None, *, cancelled: bool
) -> VisitStateChanged:
    kind = VisitCancelled if cancelled else VisitStateChanged
    return kind(visit.id, actor_id, visit_picture(visit), reason)
