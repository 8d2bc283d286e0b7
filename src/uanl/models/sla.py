from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import (
    Base,
    ClientTier,
    IdMixin,
    JSONType,
    TicketPriority,
    TimestampMixin,
    str_enum,
)


class BusinessCalendar(IdMixin, TimestampMixin, Base):
    """Working hours per weekday in a time zone, plus holidays; or 24x7."""

    __tablename__ = "business_calendars"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    tz: Mapped[str] = mapped_column(String(64), default="America/Monterrey")
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"0": [["09:00", "18:00"]], ...} — weekday 0 is Monday.
    hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # [{"date": "2026-12-25", "name": "Navidad"}, ...]
    holidays: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class SlaPolicy(IdMixin, TimestampMixin, Base):
    """First-response and resolution targets by priority and (optionally) client tier.

    The most specific active policy wins: priority+tier, then priority, then tier, then
    the one with neither.
    """

    __tablename__ = "sla_policies"

    name: Mapped[str] = mapped_column(String(120))
    priority: Mapped[TicketPriority | None] = mapped_column(
        str_enum(TicketPriority, "sla_policy_priority")
    )
    client_tier: Mapped[ClientTier | None] = mapped_column(
        str_enum(ClientTier, "sla_policy_client_tier")
    )
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index(None, "priority", "client_tier", "is_active"),)
