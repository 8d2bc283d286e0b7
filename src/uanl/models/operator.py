from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from uanl.core.crypto import EncryptedText, blind_index
from uanl.models.base import Base, IdMixin, JSONType, Language, Role, TimestampMixin, str_enum


class Operator(IdMixin, TimestampMixin, Base):
    """Staff users: admins, supervisors and operators (technicians).

    E-mail and phone are encrypted at rest; the login finds an operator by `email_bidx`,
    which also carries the uniqueness of e-mail addresses.
    """

    __tablename__ = "operators"

    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(EncryptedText("operators.email"))
    email_bidx: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText("operators.phone"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "operator_role"), default=Role.operator)
    skills: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    max_open_tickets: Mapped[int] = mapped_column(Integer, default=10)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[Language] = mapped_column(
        str_enum(Language, "operator_language"), default=Language.es
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]
    last_assigned_at: Mapped[datetime | None]
    # Senior operators receive escalations when no supervisor is free.
    is_senior: Mapped[bool] = mapped_column(Boolean, default=False)
    # Secret in the operator's iCalendar feed URL (calendar apps cannot send a bearer token).
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Failed logins in a row; reaching LOGIN_LOCKOUT_ATTEMPTS sets locked_until.
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]

    __table_args__ = (
        Index(None, "role"),
        Index(None, "is_active", "is_available"),
    )

    @validates("email")
    def _index(self, key: str, value: str) -> str:
        self.email_bidx = blind_index("email", value)  # type: ignore[assignment]
        return value
