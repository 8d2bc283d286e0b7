from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import (
    Base,
    IdMixin,
    JSONType,
    ReportFormat,
    ReportStatus,
    TimestampMixin,
    str_enum,
)


class Report(IdMixin, TimestampMixin, Base):
    """A generated (or queued) report file: one row per job run."""

    __tablename__ = "reports"

    report_type: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    format: Mapped[ReportFormat] = mapped_column(str_enum(ReportFormat, "report_format"))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.queued
    )
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    row_count: Mapped[int | None] = mapped_column(Integer)
    file_path: Mapped[str | None] = mapped_column(String(500))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    __table_args__ = (
        Index(None, "status", "created_at"),
        Index(None, "requested_by_id", "created_at"),
        Index(None, "expires_at"),
    )
