"""Daily roll-ups behind the summary reports, and the log of days that need recomputing.

Triggers (migration 0010) append to `report_dirty` the instants a write to `calls` or
`tickets` touched (old and new values); `uanl.reports.rollups` recomputes the local days
they fall on before it answers, so roll-ups are never stale. See docs/reports.md.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import Base, UTCDateTime

DirtyId = BigInteger().with_variant(Integer(), "sqlite")


class ReportDirty(Base):
    __tablename__ = "report_dirty"

    id: Mapped[int] = mapped_column(DirtyId, primary_key=True)
    family: Mapped[str] = mapped_column(String(16))  # calls | tickets
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportRollup(Base):
    """One JSON document per (dataset, local day, key); key 0 = the whole day."""

    __tablename__ = "report_rollups"

    dataset: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class ReportRollupState(Base):
    """Which families are built, and for which time zone (a new TIMEZONE rebuilds them)."""

    __tablename__ = "report_rollup_state"

    family: Mapped[str] = mapped_column(String(16), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_report_dirty_family_id", ReportDirty.family, ReportDirty.id)
