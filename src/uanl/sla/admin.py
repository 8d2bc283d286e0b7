"""Admin changes to SLA policies and business calendars, and the recompute they trigger.

Every change recomputes the deadlines of the OPEN tickets it can affect (see
:func:`uanl.sla.service.recompute_open_tickets`) and answers how many were recomputed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core.crud import ensure_exists, flush_or_conflict
from uanl.core.errors import Conflict, ValidationFailed
from uanl.models import BusinessCalendar as CalendarRow
from uanl.models import Client, SlaPolicy, Ticket
from uanl.sla import policies
from uanl.sla.holidays import mexico_official_holidays
from uanl.sla.service import recompute_open_tickets

POLICY_FIELDS = (
    "name",
    "priority",
    "client_tier",
    "first_response_minutes",
    "resolution_minutes",
    "calendar_id",
    "is_active",
)


def _key_match(priority: Any, tier: Any) -> ColumnElement[bool]:
    """Open tickets a policy with this (priority, tier) key could apply to."""
    cond: ColumnElement[bool] = true()
    if priority is not None:
        cond = and_(cond, Ticket.priority == priority)
    if tier is not None:
        cond = and_(cond, Ticket.client_id.in_(select(Client.id).where(Client.tier == tier)))
    return cond


def _check_policy(db: Session, values: dict[str, Any], policy_id: int | None) -> None:
    if values["resolution_minutes"] < values["first_response_minutes"]:
        raise ValidationFailed(
            "resolution_minutes",
            "must be at least first_response_minutes "
            f"({values['first_response_minutes']}) / debe ser al menos el de primera respuesta",
        )
    ensure_exists(db, CalendarRow, values.get("calendar_id"), "calendar_id")
    if not values.get("is_active", True):
        return
    clash = db.scalar(
        select(SlaPolicy.id).where(
            SlaPolicy.is_active.is_(True),
            SlaPolicy.priority.is_(None)
            if values.get("priority") is None
            else SlaPolicy.priority == values["priority"],
            SlaPolicy.client_tier.is_(None)
            if values.get("client_tier") is None
            else SlaPolicy.client_tier == values["client_tier"],
            SlaPolicy.id != (policy_id or 0),
        )
    )
    if clash is not None:
        raise Conflict(
            f"Active policy {clash} already covers this priority and client tier; "
            "change or deactivate it first",
            conflicting_policy_id=clash,
        )


def _recompute_policy(
    db: Session, now: datetime, policy_id: int, keys: list[tuple[Any, Any]]
) -> int:
    policies.invalidate()
    where = or_(Ticket.sla_policy_id == policy_id, *(_key_match(p, t) for p, t in keys))
    return recompute_open_tickets(db, now, where)


def create_policy(db: Session, values: dict[str, Any], now: datetime) -> tuple[SlaPolicy, int]:
    _check_policy(db, values, None)
    policy = SlaPolicy(**values)
    db.add(policy)
    db.flush()
    n = _recompute_policy(db, now, policy.id, [(policy.priority, policy.client_tier)])
    return policy, n


def update_policy(db: Session, policy: SlaPolicy, changes: dict[str, Any], now: datetime) -> int:
    old_key = (policy.priority, policy.client_tier)
    merged = {f: getattr(policy, f) for f in POLICY_FIELDS} | changes
    for required in ("name", "first_response_minutes", "resolution_minutes", "is_active"):
        if merged[required] is None:
            raise ValidationFailed(required, "cannot be null")
    _check_policy(db, merged, policy.id)
    for field, value in changes.items():
        setattr(policy, field, value)
    policy.updated_at = now
    db.flush()
    return _recompute_policy(db, now, policy.id, [old_key, (policy.priority, policy.client_tier)])


def delete_policy(db: Session, policy: SlaPolicy, now: datetime) -> tuple[bool, int]:
    """Delete, or deactivate when tickets refer to it; returns (deleted, recomputed)."""
    key = (policy.priority, policy.client_tier)
    used = db.scalar(select(exists().where(Ticket.sla_policy_id == policy.id)))
    if used:
        policy.is_active = False
        policy.updated_at = now
    else:
        db.delete(policy)
    db.flush()
    return not used, _recompute_policy(db, now, policy.id, [key])


def _check_calendar(values: dict[str, Any]) -> None:
    try:
        policies.calendar_from_values(
            values["tz"], values["always_open"], values["hours"], values["holidays"]
        )
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("hours", str(exc)) from exc


def _holidays_json(items: list[Any]) -> list[dict[str, str]]:
    out = []
    for item in items:
        data = item if isinstance(item, dict) else item.model_dump()
        out.append({"date": str(data["date"]), "name": str(data["name"])})
    return sorted(out, key=lambda h: h["date"])


def _recompute_calendar(
    db: Session, now: datetime, calendar: CalendarRow, was_default: bool
) -> int:
    policies.invalidate()
    uses = SlaPolicy.calendar_id == calendar.id
    if was_default or calendar.is_default:
        uses = or_(uses, SlaPolicy.calendar_id.is_(None))
    return recompute_open_tickets(
        db, now, Ticket.sla_policy_id.in_(select(SlaPolicy.id).where(uses))
    )


def _single_default(db: Session, calendar: CalendarRow) -> None:
    if calendar.is_default:
        db.execute(
            update(CalendarRow)
            .where(CalendarRow.id != calendar.id, CalendarRow.is_default.is_(True))
            .values(is_default=False),
            execution_options={"synchronize_session": "fetch"},
        )


def create_calendar(db: Session, values: dict[str, Any], now: datetime) -> tuple[CalendarRow, int]:
    values = values | {"holidays": _holidays_json(values.get("holidays") or [])}
    _check_calendar(values)
    calendar = CalendarRow(**values)
    db.add(calendar)
    flush_or_conflict(db, f"A calendar named {values['name']!r} already exists")
    _single_default(db, calendar)
    db.flush()
    return calendar, _recompute_calendar(db, now, calendar, was_default=False)


def update_calendar(
    db: Session, calendar: CalendarRow, changes: dict[str, Any], now: datetime
) -> int:
    if "holidays" in changes and changes["holidays"] is not None:
        changes = changes | {"holidays": _holidays_json(changes["holidays"])}
    fields = ("name", "tz", "always_open", "hours", "holidays", "is_default")
    merged = {f: getattr(calendar, f) for f in fields} | changes
    for field in fields:
        if merged[field] is None:
            raise ValidationFailed(field, "cannot be null")
    _check_calendar(merged)
    was_default = calendar.is_default
    for field, value in changes.items():
        setattr(calendar, field, value)
    calendar.updated_at = now
    flush_or_conflict(db, f"A calendar named {calendar.name!r} already exists")
    _single_default(db, calendar)
    db.flush()
    return _recompute_calendar(db, now, calendar, was_default)


def add_mexico_holidays(
    db: Session, calendar: CalendarRow, years: list[int], now: datetime
) -> tuple[int, int]:
    """Add Mexico's official holidays of ``years`` that the calendar lacks: (added, recomputed)."""
    have = {str(h.get("date")) for h in calendar.holidays if isinstance(h, dict)}
    extra = [
        {"date": d.isoformat(), "name": name}
        for year in sorted(set(years))
        for d, name in mexico_official_holidays(year)
        if d.isoformat() not in have
    ]
    if not extra:
        return 0, 0
    recomputed = update_calendar(db, calendar, {"holidays": list(calendar.holidays) + extra}, now)
    return len(extra), recomputed
