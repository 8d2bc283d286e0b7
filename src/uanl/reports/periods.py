"""Report periods in local time, local buckets and a portable p90.

`from`/`to` are read in `TIMEZONE`: a date is a whole local day (`to` inclusive), a datetime
is an instant (naive ones are local). Buckets (day/week/month) are local calendar units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Float, func, literal_column
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core.errors import ValidationFailed

Unit = Literal["day", "week", "month"]
TIME_UNITS: tuple[str, ...] = ("day", "week", "month")
DEFAULT_DAYS = 30
MAX_DAYS = 400
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_OFFSET_RE = re.compile(r" (\d{2}:?\d{2})$")
_TZ_RE = re.compile(r"^[A-Za-z0-9_+\-/]+$")


@dataclass(frozen=True)
class Period:
    """Half-open interval [start, end) of UTC instants, plus the local labels people typed."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    label_from: str
    label_to: str

    def as_params(self) -> dict[str, str]:
        return {
            "from": self.start.astimezone(self.tz).isoformat(),
            "to": self.end.astimezone(self.tz).isoformat(),
        }


def _parse_bound(value: str, tz: ZoneInfo, field: str, *, is_end: bool) -> tuple[datetime, str]:
    value = value.strip()
    if _DATE_RE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed(field, f"not a valid date: {value!r}") from exc
        if is_end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC), value
    # An unencoded "+" in a query string arrives as a space: "...T10:00:00 06:00".
    value = _SPACE_OFFSET_RE.sub(r"+\1", value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(field, "expected a date YYYY-MM-DD or an ISO 8601 datetime") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC), moment.astimezone(tz).date().isoformat()


def parse_period(
    date_from: str | None,
    date_to: str | None,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    default_days: int = DEFAULT_DAYS,
    max_days: int = MAX_DAYS,
) -> Period:
    """Read `from`/`to` (422 naming the culprit); default: the last `default_days` local days."""
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    if date_to:
        end, label_to = _parse_bound(date_to, tz, "to", is_end=True)
    else:
        label_to = today.isoformat()
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    if date_from:
        start, label_from = _parse_bound(date_from, tz, "from", is_end=False)
    else:
        first = end.astimezone(tz).date() - timedelta(days=default_days)
        start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
        label_from = first.isoformat()
    if start >= end:
        raise ValidationFailed("to", "must not be before `from`")
    if end - start > timedelta(days=max_days):
        raise ValidationFailed("to", f"the period may span at most {max_days} days")
    return Period(start=start, end=end, tz=tz, label_from=label_from, label_to=label_to)


def local_bucket(moment: datetime, unit: str, tz: ZoneInfo) -> date:
    """First local day of the day/week (Monday)/month that holds `moment`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return day_bucket(moment.astimezone(tz).date(), unit)


def day_bucket(day: date, unit: str) -> date:
    """First day of the day/week (Monday)/month that holds the local date `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def iter_buckets(period: Period, unit: str) -> Iterator[date]:
    """Every bucket that overlaps the period, in order (so empty days still show up)."""
    current = local_bucket(period.start, unit, period.tz)
    last = local_bucket(period.end - timedelta(microseconds=1), unit, period.tz)
    while current <= last:
        yield current
        if unit == "day":
            current += timedelta(days=1)
        elif unit == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)


def percentile(values: Iterable[float], q: float = 0.9) -> float | None:
    """Linear interpolation between closest ranks, exactly like `percentile_cont(q)`."""
    ordered: Sequence[float] = sorted(values)
    if not ordered:
        return None
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


# --- dialect helpers: one SQL statement, two backends --------------------------------------


class _P90:
    """SQLite aggregate: collects a group's values and interpolates in Python."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile(self.values, 0.9)


def _sqlite_bucket(value: str | None, unit: str, tzname: str) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return local_bucket(moment, unit, ZoneInfo(tzname)).isoformat()


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def prepare(db: Session) -> None:
    """On SQLite, register the Python helpers (local buckets, p90) on this connection."""
    if is_postgres(db):
        return
    raw = db.connection().connection.dbapi_connection
    if raw is None or not hasattr(raw, "create_function"):
        return
    raw.create_function("uanl_bucket", 3, _sqlite_bucket, deterministic=True)
    raw.create_aggregate("uanl_p90", 1, _P90)


def bucket_expr(db: Session, column: Any, unit: str, tz: ZoneInfo) -> ColumnElement[Any]:
    """Local bucket start of an instant column (timestamp on PostgreSQL, text on SQLite)."""
    if unit not in TIME_UNITS:
        raise ValueError(unit)
    tzname = str(tz.key)
    if not _TZ_RE.match(tzname):
        raise ValueError(tzname)
    # Literals, not bind parameters: PostgreSQL must see the SELECT and GROUP BY expressions
    # as the same expression.
    unit_sql: ColumnElement[str] = literal_column(f"'{unit}'")
    tz_sql: ColumnElement[str] = literal_column(f"'{tzname}'")
    if is_postgres(db):
        return func.date_trunc(unit_sql, func.timezone(tz_sql, column))
    return func.uanl_bucket(column, unit_sql, tz_sql)


def as_bucket_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def p90_expr(db: Session, value: Any) -> ColumnElement[Any]:
    """p90 of a (possibly NULL) expression in the current group."""
    if is_postgres(db):
        return func.percentile_cont(0.9).within_group(value)
    return func.uanl_p90(value, type_=Float)
