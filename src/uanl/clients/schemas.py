from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from uanl.core.schemas import Email, Phone, Rfc, Strict, Timestamps
from uanl.models import ClientTier, Language

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text2k = Annotated[str, StringConstraints(max_length=2000)]


class ClientCreate(Strict):
    name: CompanyName = Field(description="Company (razón social) or person name")
    rfc: Rfc | None = Field(None, description="Mexican tax id; validated with its check digit")
    contact_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text2k | None = None
    tier: ClientTier = ClientTier.standard
    language: Language = Language.es
    notes: Text2k | None = None


class ClientUpdate(Strict):
    name: CompanyName | None = None
    rfc: Rfc | None = None
    contact_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text2k | None = None
    tier: ClientTier | None = None
    language: Language | None = None
    notes: Text2k | None = None


class ClientRead(Timestamps):
    id: int
    name: str
    rfc: str | None
    contact_name: str | None
    email: str | None
    phone: str | None
    address: str | None
    tier: ClientTier
    language: Language
    notes: str | None
