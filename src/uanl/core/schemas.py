"""Pydantic building blocks shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from uanl.core.validators import (
    NUL_REASON,
    normalise_phone,
    normalise_rfc,
    normalise_tags,
    nul_path,
)


def _lower(v: str) -> str:
    return v.strip().lower()


# Instants arrive with any offset and are kept and answered in UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda d: d.astimezone(UTC))]
Email = Annotated[EmailStr, AfterValidator(_lower)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalise_phone)]
Rfc = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalise_rfc)]
Tags = Annotated[list[str], AfterValidator(normalise_tags)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


def refuse_nul(value: Any) -> Any:
    """Pydantic rule: text (also inside lists and dicts) must not contain NUL (U+0000)."""
    where = nul_path(value)
    if where is None:
        return value
    # The text goes in as context: a caller's dict key must not be read as a template.
    reason = f"{where} {NUL_REASON}" if where else NUL_REASON
    raise PydanticCustomError("nul_character", "{reason}", {"reason": reason})


class NoNul(BaseModel):
    """A request model none of whose fields accepts a NUL character (a 422 naming the
    field instead of a database error), nested lists and dicts included."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class Strict(NoNul):
    """Request bodies: unknown fields are errors, so typos do not pass silently; no NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Timestamps(ReadModel):
    created_at: datetime
    updated_at: datetime


Skills = Annotated[
    list[
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
        ]
    ],
    Field(max_length=30),
]
