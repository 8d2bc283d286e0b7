from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from uanl.core.crypto import EncryptedText, blind_index
from uanl.models.base import Base, ClientTier, IdMixin, Language, TimestampMixin, str_enum


class Client(IdMixin, TimestampMixin, Base):
    """A customer company (or person) the desk serves.

    Contact data (RFC, e-mail, phone, address, notes) is encrypted at rest; RFC and e-mail
    are found by their blind index (`*_bidx`, kept in step by `_index` below).
    """

    __tablename__ = "clients"

    name: Mapped[str] = mapped_column(String(200))
    rfc: Mapped[str | None] = mapped_column(EncryptedText("clients.rfc"))
    rfc_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(EncryptedText("clients.email"))
    email_bidx: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(EncryptedText("clients.phone"))
    address: Mapped[str | None] = mapped_column(EncryptedText("clients.address"))
    tier: Mapped[ClientTier] = mapped_column(
        str_enum(ClientTier, "client_tier"), default=ClientTier.standard
    )
    language: Mapped[Language] = mapped_column(
        str_enum(Language, "client_language"), default=Language.es
    )
    notes: Mapped[str | None] = mapped_column(EncryptedText("clients.notes"))

    __table_args__ = (
        Index(None, "name"),
        Index(None, "email_bidx"),
        Index(None, "tier"),
    )

    @validates("email", "rfc")
    def _index(self, key: str, value: str | None) -> str | None:
        setattr(self, f"{key}_bidx", blind_index(key, value))
        return value
