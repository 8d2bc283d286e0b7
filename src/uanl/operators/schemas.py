from __future__ import annotations

from pydantic import Field, SecretStr

from uanl.core.schemas import Email, Name, Phone, Skills, Strict, Timestamps
from uanl.models import Language, Role


class OperatorCreate(Strict):
    name: Name
    email: Email
    password: SecretStr = Field(min_length=1, max_length=128)
    role: Role = Role.operator
    phone: Phone | None = None
    skills: Skills = Field(default_factory=list)
    max_open_tickets: int = Field(10, ge=0, le=500)
    language: Language = Language.es
    is_active: bool = True
    is_available: bool = True


class OperatorUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    password: SecretStr | None = Field(None, min_length=1, max_length=128)
    role: Role | None = None
    phone: Phone | None = None
    skills: Skills | None = None
    max_open_tickets: int | None = Field(None, ge=0, le=500)
    language: Language | None = None
    is_active: bool | None = None
    is_available: bool | None = None


class OperatorReplace(OperatorCreate):
    """PUT body: the full editable representation (password optional: kept when absent)."""

    password: SecretStr | None = Field(None, min_length=1, max_length=128)  # type: ignore[assignment]


# Fields an operator may change on their own account.
SELF_EDITABLE = {"name", "phone", "language", "is_available", "password"}


class OperatorRead(Timestamps):
    id: int
    name: str
    email: str
    phone: str | None
    role: Role
    skills: list[str]
    max_open_tickets: int
    language: Language
    is_active: bool
    is_available: bool
