from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.core.crypto import EncryptedText
from uanl.models.base import Base, IdMixin, TimestampMixin, VisitState, str_enum


class ScheduledVisit(IdMixin, TimestampMixin, Base):
    """An on-site visit by an operator or technician to a client."""

    __tablename__ = "scheduled_visits"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    scheduled_start: Mapped[datetime]
    scheduled_end: Mapped[datetime]
    address: Mapped[str | None] = mapped_column(EncryptedText("scheduled_visits.address"))
    notes: Mapped[str | None] = mapped_column(Text)
    state: Mapped[VisitState] = mapped_column(
        str_enum(VisitState, "visit_state"), default=VisitState.scheduled
    )
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_24h_sent_at: Mapped[datetime | None]
    reminder_1h_sent_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index(None, "operator_id", "scheduled_start"),
        Index(None, "client_id", "scheduled_start"),
        Index(None, "state", "scheduled_start"),
        Index(None, "ticket_id"),
    )
