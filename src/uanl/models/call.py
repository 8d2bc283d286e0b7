from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import (
    Base,
    CallDirection,
    CallOutcome,
    IdMixin,
    TimestampMixin,
    str_enum,
)


class Call(IdMixin, TimestampMixin, Base):
    """A phone call handled by the contact center."""

    __tablename__ = "calls"

    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    started_at: Mapped[datetime]
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    wait_s: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[CallOutcome] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    notes: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))

    __table_args__ = (
        Index(None, "started_at"),
        Index(None, "operator_id", "started_at"),
        Index(None, "client_id", "started_at"),
        Index(None, "outcome"),
        Index(None, "ticket_id"),
    )
