"""What the three summary reports share: rounding, SQL snippets and names of ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.models import Client, Operator
from uanl.reports.formats import Column
from uanl.reports.periods import Period

TIME_BASIS = "sla_business_seconds_else_wall_clock"
BUCKET_COLUMN = Column("bucket", "Periodo", "Period", "date")


def rounded(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def ratio(num: Any, den: Any) -> float | None:
    return None if not den else round(float(num or 0) / float(den), 4)


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def equals(*pairs: tuple[Any, Any]) -> list[ColumnElement[bool]]:
    """`column == value` for each (column, value) whose value is given: the optional
    filters of a report (None filters nothing)."""
    return [column == value for column, value in pairs if value is not None]


def when(cond: ColumnElement[bool], value: Any = 1) -> Any:
    """`value` where `cond`, else NULL: COUNT/AVG/percentiles then skip the other rows."""
    return case((cond, value))


def names_of(
    db: Session, model: type[Operator] | type[Client], ids: Iterable[Any]
) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = select(model.id, model.name).where(model.id.in_(wanted))
    return {row[0]: row[1] for row in db.execute(stmt)}
