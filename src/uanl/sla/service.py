"""SLA deadlines, the paused clock and the status sweep.

Deadlines count business minutes of the policy's calendar from ``created_at``:
``due = calendar.add_business_minutes(created_at, target + sla_paused_minutes)``, where
``sla_paused_minutes`` is the business time (same calendar) the ticket spent waiting on the
customer. Recomputing (priority, client tier or policy changed) therefore keeps the time
already paused. While paused, ``sla_status`` is ``paused`` and the deadlines are pushed on
resume.

At-risk rule: ``at_risk`` means that at most ``1 - ESCALATION_AT_RISK_FRACTION`` (20 %) of
the policy's target is left before a pending deadline, with the time left measured on the
*wall clock*: ``due - now <= 0.2 * target``. Measuring it in business minutes would need the
calendar inside SQL. The rule is exact on 24x7 calendars; on business calendars wall time
left is never less than business time left, so a ticket is never flagged early, only later
when the calendar is closed during that last 20 % (e.g. a deadline at Monday 09:30 is
flagged when Monday opens rather than on Saturday). The other obvious approximation, the
wall-clock fraction between ``created_at`` (+ paused minutes) and the deadline, flags tickets
wrongly after nights and pauses (a ticket one hour into a four-hour target the next morning
looks 85 % used), so it was not taken. Targets come from the cached policies as an inline
``CASE`` on ``sla_policy_id``, so the sweep joins nothing. :func:`status_for` (one ticket,
Python) and :func:`refresh_statuses` (set-based SQL) apply the same rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Executable,
    Table,
    case,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.sql.elements import ColumnElement

from uanl.core import config
from uanl.core.sqltime import seconds_between
from uanl.models import OPEN_STATES, SlaStatus, Ticket, TicketState
from uanl.models.base import UTCDateTime
from uanl.sla.calendar import BusinessCalendar
from uanl.sla.policies import PolicyView, SlaConfig, client_tiers, load_config

FROZEN_STATES = (TicketState.resolved, TicketState.closed)


def at_risk_fraction() -> float:
    return float(config.get_settings().escalation_at_risk_fraction)


# -- one ticket ---------------------------------------------------------------------------------


def apply_sla(db: Session, ticket: Ticket, now: datetime, *, reason: str = "created") -> None:
    """Pick the policy and (re)compute `first_response_due_at`, `resolution_due_at`,
    `sla_status`; keeps time already paused. Called on create and when priority, client
    (tier) or policy changes."""
    cfg = load_config(db)
    tier = client_tiers(db, [ticket.client_id]).get(ticket.client_id or 0)
    compute(ticket, cfg, tier, now)


def compute(ticket: Ticket, cfg: SlaConfig, tier: str | None, now: datetime) -> None:
    """Deadlines and status of an open ticket from an already loaded configuration."""
    if ticket.state not in OPEN_STATES:
        return  # resolved/closed/cancelled: deadlines and status stay as they were
    policy = cfg.match(ticket.priority.value, tier)
    if policy is None:
        ticket.sla_policy_id = None
        ticket.first_response_due_at = None
        ticket.resolution_due_at = None
        ticket.sla_status = None
        return
    calendar = cfg.calendar(policy)
    paused = float(ticket.sla_paused_minutes or 0.0)
    start = ticket.created_at
    ticket.sla_policy_id = policy.id
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = calendar.add_business_minutes(
            start, policy.first_response_minutes + paused
        )
    ticket.resolution_due_at = calendar.add_business_minutes(
        start, policy.resolution_minutes + paused
    )
    ticket.sla_status = status_for(ticket, now, cfg)


def _risky(due: datetime, target_minutes: float | None, now: datetime) -> bool:
    if target_minutes is None:
        return False
    return (due - now).total_seconds() <= (1.0 - at_risk_fraction()) * target_minutes * 60.0


def status_for(ticket: Ticket, now: datetime, cfg: SlaConfig) -> SlaStatus | None:
    """The status :func:`refresh_statuses` would give this ticket at ``now``."""
    fr_due, res_due = ticket.first_response_due_at, ticket.resolution_due_at
    if fr_due is None and res_due is None:
        return None
    if ticket.resolved_at is not None or ticket.state in FROZEN_STATES:
        return frozen_status(ticket)
    if ticket.state == TicketState.cancelled:
        return ticket.sla_status
    if ticket.sla_paused_at is not None:
        return SlaStatus.paused
    fr_pending = ticket.first_responded_at is None and fr_due is not None
    answered = ticket.first_responded_at
    fr_late = fr_due is not None and (
        (answered is None and fr_due < now) or (answered is not None and answered > fr_due)
    )
    if fr_late or (res_due is not None and res_due < now):
        return SlaStatus.breached
    policy = cfg.policies.get(ticket.sla_policy_id or 0)
    fr_target = policy.first_response_minutes if policy else None
    res_target = policy.resolution_minutes if policy else None
    if (fr_pending and fr_due is not None and _risky(fr_due, fr_target, now)) or (
        res_due is not None and _risky(res_due, res_target, now)
    ):
        return SlaStatus.at_risk
    return SlaStatus.on_track


def frozen_status(ticket: Ticket) -> SlaStatus:
    """met or breached, judged at resolution (a first response is due by then at the latest)."""
    done = ticket.resolved_at or ticket.closed_at
    if done is None:
        return ticket.sla_status or SlaStatus.on_track
    answered = ticket.first_responded_at or done
    late = (ticket.resolution_due_at is not None and ticket.resolution_due_at < done) or (
        ticket.first_response_due_at is not None and ticket.first_response_due_at < answered
    )
    return SlaStatus.breached if late else SlaStatus.met


def ticket_calendar(db: Session, ticket: Ticket) -> tuple[PolicyView | None, BusinessCalendar]:
    cfg = load_config(db)
    policy = cfg.policies.get(ticket.sla_policy_id) if ticket.sla_policy_id else None
    return policy, cfg.calendar(policy)


def business_seconds_to(db: Session, ticket: Ticket, moment: datetime) -> float | None:
    """SLA time from creation to `moment`: business seconds in the policy's calendar minus
    the business time paused so far; None when no SLA applies to the ticket."""
    if ticket.sla_policy_id is None or ticket.created_at is None:
        return None
    _, calendar = ticket_calendar(db, ticket)
    elapsed = calendar.business_time_between(ticket.created_at, moment).total_seconds()
    return max(0.0, elapsed - float(ticket.sla_paused_minutes or 0.0) * 60)


def pause(db: Session, ticket: Ticket, now: datetime) -> None:
    """The ticket starts waiting on the customer: stop the SLA clock."""
    if ticket.sla_paused_at is not None:
        return
    ticket.sla_paused_at = now
    if ticket.sla_status is not None:
        ticket.sla_status = SlaStatus.paused


def resume(db: Session, ticket: Ticket, now: datetime) -> None:
    """The ticket stops waiting: add the business minutes of the pause, recompute deadlines."""
    if ticket.sla_paused_at is None:
        return
    _, calendar = ticket_calendar(db, ticket)
    if now > ticket.sla_paused_at:
        ticket.sla_paused_minutes = float(
            ticket.sla_paused_minutes or 0.0
        ) + calendar.business_minutes_between(ticket.sla_paused_at, now)
    ticket.sla_paused_at = None
    if ticket.resolved_at is not None:
        # waiting -> resolved: the clock stops for good, judged at resolution.
        if ticket.sla_status is not None:
            ticket.sla_status = frozen_status(ticket)
        return
    apply_sla(db, ticket, now, reason="resumed")


def remaining_business_minutes(
    db: Session, ticket: Ticket, now: datetime
) -> dict[str, float | None]:
    """Business minutes left to each pending deadline (negative: overdue; None: not pending).

    While the clock is paused, the remaining time is frozen at the moment it stopped.
    """
    _, calendar = ticket_calendar(db, ticket)
    ref = ticket.sla_paused_at or now
    is_open = ticket.state in OPEN_STATES
    fr: float | None = None
    res: float | None = None
    if is_open and ticket.first_responded_at is None and ticket.first_response_due_at:
        fr = round(calendar.business_minutes_between(ref, ticket.first_response_due_at), 2)
    if is_open and ticket.resolution_due_at is not None:
        res = round(calendar.business_minutes_between(ref, ticket.resolution_due_at), 2)
    return {"first_response": fr, "resolution": res}


def recompute_open_tickets(
    db: Session, now: datetime, where: ColumnElement[bool], *, batch: int = 500
) -> int:
    """Recompute deadlines of the open tickets matching ``where``, in batches; returns how
    many were recomputed. Business-calendar arithmetic runs in Python, so the rows are
    loaded ``batch`` at a time with their clients' tiers in one query per batch."""
    ids = list(
        db.scalars(
            select(Ticket.id).where(Ticket.state.in_(OPEN_STATES), where).order_by(Ticket.id)
        )
    )
    cfg = load_config(db)
    for i in range(0, len(ids), batch):
        tickets = db.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ids[i : i + batch]))
            .options(lazyload(Ticket.tag_rows))
            .execution_options(populate_existing=True)
        ).all()
        tiers = client_tiers(db, (t.client_id for t in tickets))
        for ticket in tickets:
            compute(ticket, cfg, tiers.get(ticket.client_id or 0), now)
        db.flush()
    return len(ids)


# -- set-based ----------------------------------------------------------------------------------


def policy_targets(cfg: SlaConfig) -> dict[str, ColumnElement[Any]]:
    """Each ticket's target minutes as an inline CASE on `sla_policy_id` (no join)."""
    out: dict[str, ColumnElement[Any]] = {}
    for name in ("first_response_minutes", "resolution_minutes"):
        mapping = {p.id: getattr(p, name) for p in cfg.policies.values()}
        out[name] = case(mapping, value=Ticket.sla_policy_id, else_=None) if mapping else null()
    return out


def sql_conditions(
    db: Session, now: datetime, fraction: float, cfg: SlaConfig
) -> dict[str, ColumnElement[bool]]:
    """SQL twins of :func:`status_for`'s tests, shared with the escalation sweep."""
    at = literal(now, UTCDateTime())
    targets = policy_targets(cfg)

    def risky(due: Any, target: ColumnElement[Any]) -> ColumnElement[bool]:
        return seconds_between(db, at, due) <= (1.0 - fraction) * 60.0 * target

    fr_pending = Ticket.first_responded_at.is_(None) & Ticket.first_response_due_at.is_not(None)
    has_res = Ticket.resolution_due_at.is_not(None)
    fr_late = Ticket.first_response_due_at.is_not(None) & or_(
        Ticket.first_responded_at.is_(None) & (Ticket.first_response_due_at < at),
        Ticket.first_responded_at > Ticket.first_response_due_at,
    )
    return {
        # A first response given late keeps the ticket breached.
        "fr_breached": fr_late,
        "res_breached": has_res & (Ticket.resolution_due_at < at),
        "fr_at_risk": fr_pending
        & risky(Ticket.first_response_due_at, targets["first_response_minutes"]),
        "res_at_risk": has_res & risky(Ticket.resolution_due_at, targets["resolution_minutes"]),
    }


def refresh_statuses(db: Session, now: datetime) -> int:
    """Set-based update of `sla_status` (on_track | at_risk | breached) on open tickets,
    and met/breached frozen on resolved and closed ones. Only rows whose status changes are
    written. Returns how many rows changed."""
    c = sql_conditions(db, now, at_risk_fraction(), load_config(db))
    has_sla = or_(Ticket.first_response_due_at.is_not(None), Ticket.resolution_due_at.is_not(None))
    live = case(
        (Ticket.sla_paused_at.is_not(None), SlaStatus.paused.value),
        (or_(c["fr_breached"], c["res_breached"]), SlaStatus.breached.value),
        (or_(c["fr_at_risk"], c["res_at_risk"]), SlaStatus.at_risk.value),
        else_=SlaStatus.on_track.value,
    )
    table = cast(Table, Ticket.__table__)
    changed = _rowcount(
        db,
        update(table)
        .where(Ticket.state.in_(OPEN_STATES), has_sla, Ticket.sla_status.is_distinct_from(live))
        .values(sla_status=live),
    )
    late = or_(
        Ticket.resolution_due_at < Ticket.resolved_at,
        Ticket.first_response_due_at < func.coalesce(Ticket.first_responded_at, Ticket.resolved_at),
    )
    changed += _rowcount(
        db,
        update(table)
        .where(
            Ticket.state.in_(FROZEN_STATES),
            Ticket.resolved_at.is_not(None),
            has_sla,
            or_(
                Ticket.sla_status.is_(None),
                Ticket.sla_status.not_in([SlaStatus.met.value, SlaStatus.breached.value]),
            ),
        )
        .values(sla_status=case((late, SlaStatus.breached.value), else_=SlaStatus.met.value)),
    )
    return changed


def _rowcount(db: Session, stmt: Executable) -> int:
    return int(cast(CursorResult[Any], db.execute(stmt)).rowcount)
