"""Pydantic building blocks shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from uanl.core.validators import normalise_phone, normalise_rfc, normalise_tags


def _lower(v: str) -> str:
    return v.strip().lower()


# Instants arrive with any offset and are kept and answered in UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda d: d.astimezone(UTC))]
Email = Annotated[EmailStr, AfterValidator(_lower)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalise_phone)]
Rfc = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalise_rfc)]
Tags = Annotated[list[str], AfterValidator(normalise_tags)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors, so typos do not pass silently."""

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
