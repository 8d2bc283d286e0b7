from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import Base, IdMixin, JSONType, TimestampMixin


class SavedView(IdMixin, TimestampMixin, Base):
    """An operator's named set of inbox filters (the console's saved views): their own only."""

    __tablename__ = "saved_views"

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # The inbox's query: {"view": "mine", "state": ["open"], "priority": [...], "q": ..., ...}
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (UniqueConstraint("operator_id", "name"),)
