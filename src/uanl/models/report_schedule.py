from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import Base, IdMixin, JSONType, ReportFormat, TimestampMixin, str_enum


class ReportSchedule(IdMixin, TimestampMixin, Base):
    """A report that runs by itself on a recurrence and is e-mailed to recipients."""

    __tablename__ = "report_schedules"

    name: Mapped[str] = mapped_column(String(120))
    report_type: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    format: Mapped[ReportFormat] = mapped_column(str_enum(ReportFormat, "report_schedule_format"))
    # Either the simple form ({"every": "week", "at": "08:00", ...}) or {"cron": "0 8 * * 1"}.
    recurrence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    timezone: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )

    __table_args__ = (Index(None, "is_active", "next_run_at"),)
