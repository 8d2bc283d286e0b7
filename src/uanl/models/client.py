from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uanl.models.base import Base, ClientTier, IdMixin, Language, TimestampMixin, str_enum


class Client(IdMixin, TimestampMixin, Base):
    """A customer company (or person) the desk serves."""

    __tablename__ = "clients"

    name: Mapped[str] = mapped_column(String(200))
    rfc: Mapped[str | None] = mapped_column(String(13), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[ClientTier] = mapped_column(
        str_enum(ClientTier, "client_tier"), default=ClientTier.standard
    )
    language: Mapped[Language] = mapped_column(
        str_enum(Language, "client_language"), default=Language.es
    )
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "name"),
        Index(None, "email"),
        Index(None, "tier"),
    )
