"""What happens to calls, as domain events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from uanl.core.events import DomainEvent
from uanl.models import Call


def plain(value: Any) -> Any:
    return getattr(value, "value", value)


@dataclass(frozen=True)
class CallLogged(DomainEvent):
    call_id: int
    picture: dict[str, Any] = field(compare=False)


def logged(call: Call) -> CallLogged:
    return CallLogged(
        call.id,
        {
            "id": call.id,
            "operator_id": call.operator_id,
            "client_id": call.client_id,
            "direction": plain(call.direction),
            "outcome": plain(call.outcome),
            "duration_s": call.duration_s,
            "started_at": call.started_at.isoformat() if call.started_at else None,
        },
    )
