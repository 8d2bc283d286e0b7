"""Portable SQL expressions over instants (PostgreSQL and SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, func
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def seconds_between(db: Session, start: Any, end: Any) -> ColumnElement[float]:
    """`end - start` in seconds as a float expression."""
    if db.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
