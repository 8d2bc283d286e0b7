"""What happens to operators' accounts, as domain events."""

from __future__ import annotations

from dataclasses import dataclass

from uanl.core.events import DomainEvent


@dataclass(frozen=True)
class OperatorDeactivated(DomainEvent):
    """An account was switched off (its open tickets must go to someone else)."""

    operator_id: int
    actor_id: int
