"""Daily roll-ups behind the summary reports: exact numbers without scanning 90 days of rows.

A 90-day window at a million tickets and five million calls is ~280k tickets and ~1.4M calls;
aggregating them from the base tables costs 0.6-2.3 s whatever the indexes (the exact p90s
need every value). Instead, each local day (in `TIMEZONE`) keeps one JSON document per
dataset in `report_rollups`:

- `calls`: count, duration sum, abandoned, became-ticket and the exact histogram of
  `duration_s` (values are whole seconds, so a day has at most a few thousand distinct ones);
- `calls_op` (per operator): handled calls and their duration sum;
- `tickets_created`: count, reopened and the counts by state, priority, category and client of
  the tickets created that day;
- `tickets_resolved` / `tickets_responded`: counts, sums and the sorted resolution /
  first-response times of the tickets resolved / first answered that day (exact p90);
- `ops` (per operator): assigned, resolved, response/resolution sums, SLA and CSAT counts.

Freshness: triggers on `calls` and `tickets` (migration 0010) append every instant a write
touched (old and new values) to `report_dirty`. Before answering, `ensure_fresh()`
recomputes the local days those instants fall on from the base tables and deletes exactly the
log rows it read, so a report never uses a stale day. A changed `TIMEZONE` (or a family never
built) rebuilds everything once, a month of days at a time so memory stays bounded. The
beat task `uanl.reports.refresh_rollups` does the same every minute to keep requests light.

Only whole local days without filters are read from roll-ups; anything else is computed from
the base tables by `uanl.reports.summary` as before (same numbers, slower).

Here: which days are stale, their recomputation and the reading of stored documents;
`compute` builds a span of days from the base tables; `values` holds the histograms and
packed times of a document and their exact percentiles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from uanl.core import db as dbmod
from uanl.models import (
    Call,
    ReportDirty,
    ReportRollup,
    ReportRollupState,
    Ticket,
    utcnow,
)
from uanl.reports.periods import (
    Period,
    as_bucket_date,
    bucket_expr,
    is_postgres,
    local_bucket,
    prepare,
)
from uanl.reports.rollups.compute import COMPUTE, Docs

FAMILIES: dict[str, tuple[str, ...]] = {
    "calls": ("calls", "calls_op"),
    "tickets": ("tickets_created", "tickets_resolved", "tickets_responded", "ops"),
}
CHUNK_DAYS = 31
_LOCK_KEY = 0x75616E6C5F72  # pg_advisory_xact_lock key: "uanl_r"


# --- periods -------------------------------------------------------------------------------


def whole_days(period: Period) -> tuple[date, date] | None:
    """(first local day, day after the last) when the period is whole local days, else None."""
    tz = period.tz
    first = period.start.astimezone(tz)
    last = period.end.astimezone(tz)
    if first.time() != time(0) or last.time() != time(0):
        return None
    return first.date(), last.date()


def _day_of(moment: datetime, tz: ZoneInfo) -> date:
    return local_bucket(moment, "day", tz)


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Contiguous [first, after-last) runs of at most CHUNK_DAYS days."""
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        start = end = ordered[i]
        i += 1
        while i < len(ordered) and ordered[i] == end + timedelta(days=1):
            if (ordered[i] - start).days >= CHUNK_DAYS:
                break
            end = ordered[i]
            i += 1
        yield start, end + timedelta(days=1)


# --- keeping them fresh --------------------------------------------------------------------


def _batches(days: Iterable[date]) -> Iterator[list[tuple[date, date]]]:
    """Runs of days grouped so that one batch covers at most CHUNK_DAYS days: a refresh
    after scattered writes (a ticket created, answered and resolved on three different days)
    recomputes them all with one query per dataset."""
    batch: list[tuple[date, date]] = []
    size = 0
    for first, after in _runs(days):
        n = (after - first).days
        if batch and size + n > CHUNK_DAYS:
            yield batch
            batch, size = [], 0
        batch.append((first, after))
        size += n
    if batch:
        yield batch


def _recompute(db: Session, family: str, tz: ZoneInfo, days: Iterable[date]) -> int:
    """Replace the roll-ups of `days`; returns how many days were recomputed."""
    count = 0
    for batch in _batches(days):
        spans = [(_day_start(first, tz), _day_start(after, tz)) for first, after in batch]
        docs = COMPUTE[family](db, tz, spans)
        db.execute(
            delete(ReportRollup).where(
                ReportRollup.dataset.in_(FAMILIES[family]),
                or_(*(and_(ReportRollup.day >= a, ReportRollup.day < b) for a, b in batch)),
            )
        )
        rows = [
            {"dataset": ds, "day": day, "key": key, "data": json.dumps(doc, separators=(",", ":"))}
            for (ds, day, key), doc in docs.items()
        ]
        for i in range(0, len(rows), 1000):
            db.execute(insert(ReportRollup), rows[i : i + 1000])
        count += sum((after - first).days for first, after in batch)
    return count


def _all_days(db: Session, family: str, tz: ZoneInfo) -> list[date]:
    """The local days that hold data: a first build costs what the data spans, not what
    lies between its oldest and newest instant (one call dated 1900 made that a century)."""
    if family == "calls":
        columns: list[Any] = [Call.started_at]
    else:
        columns = [Ticket.created_at, Ticket.resolved_at, Ticket.first_responded_at]
        columns.append(Ticket.assigned_at)
    days: set[date] = set()
    for column in columns:
        day = bucket_expr(db, column, "day", tz)
        stmt = select(day).where(column.is_not(None)).group_by(day)
        days.update(as_bucket_date(value) for value in db.scalars(stmt))
    return sorted(days)


def _refresh(
    db: Session, tz: ZoneInfo, families: Iterable[str] = tuple(FAMILIES)
) -> dict[str, int]:
    """Bring every family up to date inside `db`'s transaction; days recomputed per family."""
    prepare(db)
    if is_postgres(db):
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    done: dict[str, int] = {}
    for family in families:
        state = db.get(ReportRollupState, family)
        rows = db.execute(
            select(ReportDirty.id, ReportDirty.at).where(ReportDirty.family == family)
        ).all()
        if state is None or state.timezone != tz.key:
            days = _all_days(db, family, tz)
            db.execute(delete(ReportRollup).where(ReportRollup.dataset.in_(FAMILIES[family])))
        else:
            found: set[date] = set()
            for _id, at in rows:
                # PostgreSQL logs the hour an instant falls in: mark both ends of that hour.
                found.add(_day_of(at, tz))
                found.add(_day_of(at + timedelta(hours=1, microseconds=-1), tz))
            days = sorted(found)
        done[family] = _recompute(db, family, tz, days)
        ids = [r[0] for r in rows]
        for i in range(0, len(ids), 5000):
            db.execute(delete(ReportDirty).where(ReportDirty.id.in_(ids[i : i + 5000])))
        if state is None:
            db.add(ReportRollupState(family=family, timezone=tz.key, built_at=utcnow()))
        else:
            state.timezone = tz.key
            state.built_at = utcnow() if days else state.built_at
        db.flush()
    return done


def refresh(tz: ZoneInfo, families: Iterable[str] = tuple(FAMILIES)) -> dict[str, int]:
    """Recompute what changed, in a transaction of its own (the beat task, commands)."""
    with dbmod.session_scope() as db:
        return _refresh(db, tz, families)


def _is_fresh(db: Session, tz: ZoneInfo, families: tuple[str, ...]) -> bool:
    states = {s.family: s.timezone for s in db.execute(select(ReportRollupState)).scalars()}
    if any(states.get(f) != tz.key for f in families):
        return False
    pending = select(ReportDirty.id).where(ReportDirty.family.in_(families)).limit(1)
    return db.execute(pending).first() is None


def ensure_fresh(db: Session, tz: ZoneInfo, families: Iterable[str] = tuple(FAMILIES)) -> bool:
    """Make the roll-ups current for a report about to be read through `db`; False = use the
    base tables instead (a read-only unit of work that finds them stale).

    On PostgreSQL the refresh commits in a short transaction of its own (the report's
    statements then see it); SQLite has one writer, which `db` already is.
    """
    wanted = tuple(families)
    conn = db.connection()
    if conn.get_execution_options().get(dbmod.READ_ONLY):
        return _is_fresh(db, tz, wanted)
    if is_postgres(db):
        if not _is_fresh(db, tz, wanted):
            refresh(tz, wanted)
    else:
        _refresh(db, tz, wanted)
    return True


# --- reading -------------------------------------------------------------------------------


def load(db: Session, datasets: Iterable[str], first: date, after: date) -> Docs:
    stmt = select(
        ReportRollup.dataset, ReportRollup.day, ReportRollup.key, ReportRollup.data
    ).where(
        ReportRollup.dataset.in_(list(datasets)),
        ReportRollup.day >= first,
        ReportRollup.day < after,
    )
    return {(ds, day, key): json.loads(data) for ds, day, key, data in db.execute(stmt)}
