"""Booking rules for visits: working hours, overlaps with a travel buffer, technician pick.

Two bookings for the same technician must not both succeed. Every booking locks the
technician's `operators` row before it looks for overlaps, and keeps the lock until its
transaction commits: `SELECT ... FOR NO KEY UPDATE` on PostgreSQL; on SQLite a no-op UPDATE, which
takes the database's single write lock (SQLite serializes writers). Several rows are always
locked in id order, so two bookings cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import Conflict, ValidationFailed
from uanl.models import BusinessCalendar as CalendarRow
from uanl.models import Operator, Role, ScheduledVisit, VisitState
from uanl.sla.calendar import BusinessCalendar
from uanl.sla.holidays import mexico_holidays_between
from uanl.sla.working_hours import WorkingHours

# States that keep a technician busy; finished, cancelled and missed visits free the slot.
BLOCKING = (VisitState.scheduled, VisitState.confirmed, VisitState.in_progress)
MAX_DURATION = timedelta(hours=12)
PAST_TOLERANCE = timedelta(minutes=5)
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def iso(value: datetime) -> str:
    """An instant as the API writes it (UTC with `Z`)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def travel_buffer() -> timedelta:
    return timedelta(minutes=config.get_settings().visit_travel_buffer_minutes)


@dataclass(frozen=True)
class DeskCalendar:
    calendar: BusinessCalendar
    holiday_names: dict[date, str]


def desk_calendar(db: Session, years: Sequence[int]) -> DeskCalendar:
    """The default business calendar row; without one, Mexico's usual hours and holidays."""
    row = db.scalar(select(CalendarRow).where(CalendarRow.is_default.is_(True)).limit(1))
    names: dict[date, str] = {}
    if row is not None:
        for item in row.holidays or []:
            day = item.get("date") if isinstance(item, dict) else item
            name = item.get("name", "") if isinstance(item, dict) else ""
            names[date.fromisoformat(str(day))] = str(name or "feriado")
        hours = WorkingHours.from_dict(row.hours) if row.hours else None
        cal = BusinessCalendar(row.tz, hours, names, always_open=row.always_open)
        return DeskCalendar(cal, names)
    for year in range(min(years), max(years) + 1):
        names.update(dict(mexico_holidays_between(year, year)))
    hours = WorkingHours({**{d: [("09:00", "18:00")] for d in range(5)}, 5: [("09:00", "14:00")]})
    cal = BusinessCalendar(config.get_settings().timezone, hours, names)
    return DeskCalendar(cal, names)


def check_times(db: Session, start: datetime, end: datetime, now: datetime, force: bool) -> bool:
    """Validate a slot; return whether `force` overrode a rule (hours, holiday, past)."""
    if end <= start:
        raise ValidationFailed("scheduled_end", "must be after scheduled_start")
    if end - start > MAX_DURATION:
        hours = int(MAX_DURATION.total_seconds() // 3600)
        raise ValidationFailed("scheduled_end", f"a visit lasts at most {hours} hours")
    problem = _past_problem(start, now) or _hours_problem(db, start, end)
    if problem is None:
        return False
    if not force:
        raise ValidationFailed("scheduled_start", problem + "; send force=true to book anyway")
    return True


def _past_problem(start: datetime, now: datetime) -> str | None:
    if start < now - PAST_TOLERANCE:
        return f"is in the past ({iso(start)} < now {iso(now.replace(microsecond=0))})"
    return None


def _hours_problem(db: Session, start: datetime, end: datetime) -> str | None:
    desk = desk_calendar(db, (start.year, end.year))
    cal = desk.calendar
    if cal.always_open:
        return None
    local_start = start.astimezone(cal.zone)
    local_end = end.astimezone(cal.zone)
    day = local_start.date()
    if day in desk.holiday_names:
        return f"{day.isoformat()} is a holiday ({desk.holiday_names[day]}) in {cal.tz}"
    intervals = cal.hours.intervals(day.weekday())
    if not intervals:
        return f"the desk is closed on {WEEKDAYS[day.weekday()]} ({day.isoformat()}, {cal.tz})"
    last_instant = local_end - timedelta(microseconds=1)
    inside = last_instant.date() == day and cal.business_time_between(start, end) == end - start
    if inside:
        return None
    shown = ", ".join(
        f"{a:%H:%M}-{'24:00' if b == time(0) else f'{b:%H:%M}'}" for a, b in intervals
    )
    return (
        f"{local_start:%Y-%m-%d %H:%M}-{local_end:%H:%M} ({cal.tz}) is outside working hours "
        f"on {WEEKDAYS[day.weekday()]} ({shown})"
    )


def lock_operators(db: Session, operator_ids: Sequence[int]) -> None:
    """Hold the technicians' rows until commit, so overlap checks and inserts serialize."""
    ids = sorted(set(operator_ids))
    if not ids:
        return
    if db.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: bookings exclude each other, but rows that merely reference the
        # operator (tickets, visits: FOR KEY SHARE) are not held up.
        db.execute(
            select(Operator.id)
            .where(Operator.id.in_(ids))
            .order_by(Operator.id)
            .with_for_update(key_share=True)
        )
    else:
        # The first write of a SQLite transaction takes the database write lock (waiting for
        # the busy timeout); reads after it see every earlier committed booking.
        db.execute(_SQLITE_LOCK, {"ids": ids})


_SQLITE_LOCK = text("UPDATE operators SET is_active = is_active WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def _overlap_clause(start: datetime, end: datetime, buffer: timedelta) -> list[Any]:
    return [
        ScheduledVisit.state.in_(BLOCKING),
        ScheduledVisit.scheduled_start < end + buffer,
        ScheduledVisit.scheduled_end > start - buffer,
    ]


def find_overlap(
    db: Session, operator_id: int, start: datetime, end: datetime, exclude_id: int | None = None
) -> ScheduledVisit | None:
    stmt = select(ScheduledVisit).where(
        ScheduledVisit.operator_id == operator_id, *_overlap_clause(start, end, travel_buffer())
    )
    if exclude_id is not None:
        stmt = stmt.where(ScheduledVisit.id != exclude_id)
    return db.scalars(stmt.order_by(ScheduledVisit.scheduled_start).limit(1)).first()


def ensure_free(
    db: Session, operator_id: int, start: datetime, end: datetime, exclude_id: int | None = None
) -> None:
    """Lock the technician and raise 409 naming the visit that overlaps (buffer included)."""
    lock_operators(db, [operator_id])
    other = find_overlap(db, operator_id, start, end, exclude_id)
    if other is None:
        return
    minutes = config.get_settings().visit_travel_buffer_minutes
    raise Conflict(
        f"Operator {operator_id} already has visit {other.id} from "
        f"{iso(other.scheduled_start)} to {iso(other.scheduled_end)}, which "
        f"overlaps this slot (with a {minutes}-minute travel buffer)",
        conflicting_visit_id=other.id,
        conflicting_visit={
            "id": other.id,
            "scheduled_start": iso(other.scheduled_start),
            "scheduled_end": iso(other.scheduled_end),
            "state": other.state.value,
        },
        travel_buffer_minutes=minutes,
    )


def pick_operator(db: Session, skill: str | None, start: datetime, end: datetime) -> Operator:
    """An active, available technician with `skill` and no overlapping visit.

    Fewest visits that (local) day first, then lowest id. All candidates are locked before
    the overlap query, so a concurrent pick sees this booking once it commits.
    """
    rows = db.execute(
        select(Operator.id, Operator.skills).where(
            Operator.is_active.is_(True),
            Operator.is_available.is_(True),
            Operator.role == Role.operator,
        )
    ).all()
    ids = [r[0] for r in rows if skill is None or skill in {str(s).lower() for s in r[1] or []}]
    what = f"technicians with the skill '{skill}'" if skill else "technicians"
    if not ids:
        raise Conflict(f"No active, available {what} exist to take this visit")
    lock_operators(db, ids)
    busy = set(
        db.scalars(
            select(ScheduledVisit.operator_id)
            .where(
                ScheduledVisit.operator_id.in_(ids),
                *_overlap_clause(start, end, travel_buffer()),
            )
            .distinct()
        )
    )
    free = [i for i in ids if i not in busy]
    if not free:
        raise Conflict(
            f"All {len(ids)} available {what} already have a visit overlapping "
            f"{iso(start)}-{iso(end)} (travel buffer included); "
            "choose another time or an operator_id"
        )
    day_start, day_end = _local_day_bounds(db, start)
    counts = dict(
        db.execute(
            select(ScheduledVisit.operator_id, func.count(ScheduledVisit.id))
            .where(
                ScheduledVisit.operator_id.in_(free),
                ScheduledVisit.state.in_(BLOCKING),
                ScheduledVisit.scheduled_start >= day_start,
                ScheduledVisit.scheduled_start < day_end,
            )
            .group_by(ScheduledVisit.operator_id)
        ).all()
    )
    chosen = min(free, key=lambda i: (counts.get(i, 0), i))
    operator = db.get(Operator, chosen)
    assert operator is not None
    return operator


def _local_day_bounds(db: Session, at: datetime) -> tuple[datetime, datetime]:
    zone = desk_calendar(db, (at.year,)).calendar.zone
    local = at.astimezone(zone).date()
    first = datetime.combine(local, time(), tzinfo=zone)
    following = datetime.combine(local + timedelta(days=1), time(), tzinfo=zone)
    return first, following
