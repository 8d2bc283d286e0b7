from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.core.crypto import EncryptedJSON, EncryptedText
from uanl.models.base import Base, IdMixin, utcnow


class WatsonActivity(IdMixin, Base):
    """One exchange with Watson Orchestrate / Assistant: what was said, understood and done."""

    __tablename__ = "watson_activities"

    session_id: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20), default="orchestrate")
    user_id: Mapped[str | None] = mapped_column(String(120))
    user_name: Mapped[str | None] = mapped_column(String(120))
    user_email: Mapped[str | None] = mapped_column(EncryptedText("watson_activities.user_email"))
    client_id: Mapped[int | None] = mapped_column(Integer)
    input_text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(5))
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    # What the NLU extracted (e-mail, phone...) and the outcome (pending slots quote them):
    # sealed like the contact columns, read whole, never queried in SQL.
    entities: Mapped[dict[str, Any]] = mapped_column(
        EncryptedJSON("watson_activities.entities"), default=dict
    )
    action: Mapped[str | None] = mapped_column(String(40))
    result: Mapped[dict[str, Any]] = mapped_column(
        EncryptedJSON("watson_activities.result"), default=dict
    )
    # Replies and errors quote what they act on ("te llega a ana@x.mx"): sealed too.
    reply_text: Mapped[str | None] = mapped_column(EncryptedText("watson_activities.reply_text"))
    status: Mapped[str] = mapped_column(String(20), default="ok")
    error: Mapped[str | None] = mapped_column(EncryptedText("watson_activities.error"))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index(None, "session_id", "created_at"),
        Index(None, "created_at"),
        Index(None, "intent", "created_at"),
    )
