"""What the SLA engine reads from the database: policies and calendars, cached per process.

Policies and calendars change rarely and are read on every ticket create, so the parsed
objects (:class:`SlaConfig`) are kept per process and per database. Each use checks a
one-row fingerprint (row counts and newest ``updated_at`` of both tables): an edit made by
any process, or a rollback of one, is seen at the next use, and nothing is rebuilt
otherwise. API edits also call :func:`invalidate` explicitly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from uanl.core import config
from uanl.models import BusinessCalendar as CalendarRow
from uanl.models import Client, SlaPolicy
from uanl.sla.calendar import BusinessCalendar
from uanl.sla.holidays import mexico_holidays_between
from uanl.sla.working_hours import WorkingHours

__all__ = [
    "PolicyView",
    "SlaConfig",
    "calendar_from_row",
    "client_tiers",
    "install_defaults",
    "invalidate",
    "load_config",
]


@dataclass(frozen=True, slots=True)
class PolicyView:
    id: int
    name: str
    priority: str | None
    client_tier: str | None
    first_response_minutes: int
    resolution_minutes: int
    calendar_id: int | None
    is_active: bool

    def specificity(self) -> int:
        """priority+tier (3) > priority (2) > tier (1) > neither (0)."""
        return (2 if self.priority else 0) + (1 if self.client_tier else 0)


@dataclass(frozen=True)
class SlaConfig:
    policies: dict[int, PolicyView]
    calendars: dict[int, BusinessCalendar]
    default_calendar_id: int | None
    fallback: BusinessCalendar
    _ranked: tuple[PolicyView, ...] = field(default=())

    @classmethod
    def build(
        cls,
        policies: Iterable[PolicyView],
        calendars: dict[int, BusinessCalendar],
        default_calendar_id: int | None,
        fallback: BusinessCalendar,
    ) -> SlaConfig:
        by_id = {p.id: p for p in policies}
        ranked = sorted(
            (p for p in by_id.values() if p.is_active), key=lambda p: (-p.specificity(), p.id)
        )
        return cls(by_id, calendars, default_calendar_id, fallback, tuple(ranked))

    def match(self, priority: str | None, tier: str | None) -> PolicyView | None:
        """The most specific active policy for a ticket (ties: the oldest policy)."""
        for policy in self._ranked:
            if policy.priority is not None and policy.priority != priority:
                continue
            if policy.client_tier is not None and policy.client_tier != tier:
                continue
            return policy
        return None

    def calendar(self, policy: PolicyView | None) -> BusinessCalendar:
        """The policy's calendar, else the default one, else Mon-Fri 09-18 in TIMEZONE."""
        if policy is not None and policy.calendar_id in self.calendars:
            return self.calendars[policy.calendar_id]
        if self.default_calendar_id in self.calendars:
            return self.calendars[self.default_calendar_id]
        return self.fallback


def calendar_from_row(row: CalendarRow) -> BusinessCalendar:
    return calendar_from_values(row.tz, row.always_open, row.hours, row.holidays)


def calendar_from_values(
    tz: str, always_open: bool, hours: dict[str, Any] | None, holidays: list[Any] | None
) -> BusinessCalendar:
    """Build (and so validate) a calendar; raises ValueError with a readable reason."""
    days = [date.fromisoformat(str(_holiday_date(h))) for h in holidays or []]
    return BusinessCalendar(
        tz=tz,
        hours=WorkingHours.from_dict(hours or {}) if hours or not always_open else None,
        holidays=days,
        always_open=always_open,
    )


def _holiday_date(item: Any) -> Any:
    return item.get("date") if isinstance(item, dict) else item


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], SlaConfig, float]] = {}
# Within this many seconds a cached configuration is used without asking the database
# whether it changed: every ticket create needs it, edits are rare, and the API that edits
# clears the cache at once in its own process (other processes catch up within the TTL).
CONFIG_TTL_S = 2.0


def invalidate() -> None:
    """Forget every cached configuration (API edits call it; the fingerprint covers the rest)."""
    with _lock:
        _cache.clear()


def _fingerprint(db: Session) -> tuple[Any, ...]:
    row = db.execute(
        select(
            select(func.count(SlaPolicy.id)).scalar_subquery(),
            select(func.max(SlaPolicy.updated_at)).scalar_subquery(),
            select(func.count(CalendarRow.id)).scalar_subquery(),
            select(func.max(CalendarRow.updated_at)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def load_config(db: Session) -> SlaConfig:
    """Policies and parsed calendars, rebuilt only when a row changed."""
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[2] < CONFIG_TTL_S:
        return hit[1]
    fingerprint = _fingerprint(db)
    if hit is not None and hit[0] == fingerprint:
        with _lock:
            _cache[key] = (fingerprint, hit[1], now)
        return hit[1]
    built = _build(db)
    with _lock:
        _cache[key] = (fingerprint, built, now)
    return built


def _build(db: Session) -> SlaConfig:
    policies = [
        PolicyView(
            p.id,
            p.name,
            p.priority.value if p.priority else None,
            p.client_tier.value if p.client_tier else None,
            p.first_response_minutes,
            p.resolution_minutes,
            p.calendar_id,
            p.is_active,
        )
        for p in db.scalars(select(SlaPolicy))
    ]
    calendars: dict[int, BusinessCalendar] = {}
    default_id: int | None = None
    for row in db.scalars(select(CalendarRow).order_by(CalendarRow.id)):
        try:
            calendars[row.id] = calendar_from_row(row)
        except (ValueError, TypeError):
            continue  # the API refuses invalid calendars; a hand-edited row falls back
        if row.is_default and default_id is None:
            default_id = row.id
    fallback = BusinessCalendar(tz=config.get_settings().timezone)
    return SlaConfig.build(policies, calendars, default_id, fallback)


def client_tiers(db: Session, client_ids: Iterable[int | None]) -> dict[int, str]:
    """Each client's tier: from the session when the row is loaded there (a request that
    just validated the client), else one query for the rest."""
    tiers: dict[int, str] = {}
    missing: list[int] = []
    for cid in sorted({i for i in client_ids if i is not None}):
        loaded = db.identity_map.get(identity_key(Client, cid))
        if isinstance(loaded, Client):
            tiers[cid] = loaded.tier.value
        else:
            missing.append(cid)
    if missing:
        rows = db.execute(select(Client.id, Client.tier).where(Client.id.in_(missing))).all()
        tiers |= {cid: tier.value for cid, tier in rows}
    return tiers


DEFAULT_POLICIES = (
    ("Urgente 24x7", "urgent", 30, 4 * 60, "24x7"),
    ("Alta", "high", 60, 8 * 60, "business"),
    ("Media", "medium", 4 * 60, 3 * 9 * 60, "business"),
    ("Baja", "low", 8 * 60, 5 * 9 * 60, "business"),
)


def install_defaults(db: Session, year: int | None = None) -> None:
    """The calendars and policies that migration 0002 seeds, when the tables are empty."""
    if db.scalar(select(func.count(CalendarRow.id))):
        return
    year = year or datetime.now(UTC).year
    hours: dict[str, Any] = {str(d): [["09:00", "18:00"]] for d in range(5)}
    hours["5"] = [["09:00", "14:00"]]
    business = CalendarRow(
        name="Horario laboral (México)",
        tz="America/Monterrey",
        always_open=False,
        hours=hours,
        holidays=[
            {"date": d.isoformat(), "name": n}
            for d, n in mexico_holidays_between(year - 1, year + 4)
        ],
        is_default=True,
    )
    always = CalendarRow(
        name="24x7", tz="America/Monterrey", always_open=True, hours={}, holidays=[]
    )
    db.add_all([business, always])
    db.flush()
    ids = {"business": business.id, "24x7": always.id}
    for name, priority, first, resolution, cal in DEFAULT_POLICIES:
        db.add(
            SlaPolicy(
                name=name,
                priority=priority,
                first_response_minutes=first,
                resolution_minutes=resolution,
                calendar_id=ids[cal],
                is_active=True,
            )
        )
    db.flush()
