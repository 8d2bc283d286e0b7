"""What happens to report jobs, as domain events."""

from __future__ import annotations

from dataclasses import dataclass

from uanl.core.events import DomainEvent


@dataclass(frozen=True)
class ReportReady(DomainEvent):
    """A report job finished and its file can be downloaded."""

    report_id: int
