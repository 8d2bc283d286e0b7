"""The dashboard KPIs (`/metrics`) and the live snapshot (`/real-time`), a few aggregates each.

A "window" is a half-open UTC interval read in TIMEZONE like the reports' periods. Durations
are wall-clock seconds; rates are fractions 0-1 (None when there is nothing to divide).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from uanl.core.sqltime import seconds_between
from uanl.models import (
    OPEN_STATES,
    Call,
    CallOutcome,
    Operator,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    TicketPriority,
    VisitState,
    utcnow,
)
from uanl.reports.periods import Period, parse_period


def _r(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _ratio(num: Any, den: Any) -> float | None:
    return None if not den else round(float(num or 0) / float(den), 4)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def today_period(tz: ZoneInfo, now: datetime | None = None) -> Period:
    return parse_period(None, None, tz, now=now, default_days=1)


def window_metrics(db: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """What happened in [start, end): tickets, SLA, response times, calls, visits, CSAT."""
    created = _in(Ticket.created_at, start, end)
    resolved = _in(Ticket.resolved_at, start, end)
    with_target = and_(resolved, Ticket.resolution_due_at.is_not(None))
    met = and_(with_target, Ticket.resolved_at <= Ticket.resolution_due_at)
    csat = and_(_in(Ticket.csat_submitted_at, start, end), Ticket.csat_score.is_not(None))
    frt = seconds_between(db, Ticket.created_at, Ticket.first_responded_at)
    rt = seconds_between(db, Ticket.created_at, Ticket.resolved_at)
    t = db.execute(
        select(
            func.count().filter(created),
            func.count().filter(resolved),
            func.count().filter(with_target),
            func.count().filter(met),
            func.avg(frt).filter(created, Ticket.first_responded_at.is_not(None)),
            func.avg(rt).filter(resolved),
            func.count().filter(csat),
            func.avg(Ticket.csat_score).filter(csat),
        )
    ).one()
    n_new, n_resolved, n_target, n_met, avg_frt, avg_rt, n_csat, avg_csat = t

    answered = Call.outcome != CallOutcome.abandoned
    c = db.execute(
        select(
            func.count(),
            func.count().filter(answered),
            func.avg(Call.duration_s).filter(answered),
        ).where(_in(Call.started_at, start, end))
    ).one()
    n_calls, n_answered, aht = int(c[0] or 0), int(c[1] or 0), c[2]

    by_state = {s.value: 0 for s in VisitState}
    for state, n in db.execute(
        select(ScheduledVisit.state, func.count())
        .where(_in(ScheduledVisit.scheduled_start, start, end))
        .group_by(ScheduledVisit.state)
    ):
        by_state[state.value] = int(n)

    return {
        "new_tickets": int(n_new or 0),
        "resolved_tickets": int(n_resolved or 0),
        "sla": {
            "resolved_with_target": int(n_target or 0),
            "met": int(n_met or 0),
            "breached": int(n_target or 0) - int(n_met or 0),
            "compliance": _ratio(n_met, n_target),
        },
        "avg_first_response_s": _r(avg_frt),
        "avg_resolution_s": _r(avg_rt),
        "calls": {
            "total": n_calls,
            "answered": n_answered,
            "abandoned": n_calls - n_answered,
            "answer_rate": _ratio(n_answered, n_calls),
            "avg_handle_time_s": _r(aht),
        },
        "visits": {"total": sum(by_state.values()), "by_state": by_state},
        "csat": {"responses": int(n_csat or 0), "average": _r(avg_csat, 2)},
    }


def current_state(db: Session) -> dict[str, Any]:
    """Right now: the open backlog, SLA danger, and who is online with how much work."""
    by_state = {s.value: 0 for s in OPEN_STATES}
    by_priority = {p.value: 0 for p in TicketPriority}
    at_risk = breached = unassigned = 0
    rows = db.execute(
        select(
            Ticket.state,
            Ticket.priority,
            Ticket.sla_status,
            Ticket.assignee_id.is_(None),
            func.count(),
        )
        .where(Ticket.state.in_(OPEN_STATES))
        .group_by(Ticket.state, Ticket.priority, Ticket.sla_status, Ticket.assignee_id.is_(None))
    )
    for state, priority, sla, no_assignee, n in rows:
        by_state[state.value] += n
        by_priority[priority.value] += n
        at_risk += n if sla == SlaStatus.at_risk else 0
        breached += n if sla == SlaStatus.breached else 0
        unassigned += n if no_assignee else 0
    return {
        "open_tickets": sum(by_state.values()),
        "open_by_state": by_state,
        "backlog_by_priority": by_priority,
        "unassigned": unassigned,
        "at_risk": at_risk,
        "breached": breached,
        "operators": operators_online(db),
    }


def operators_online(db: Session) -> dict[str, Any]:
    load = dict(
        db.execute(
            select(Ticket.assignee_id, func.count())
            .where(Ticket.state.in_(OPEN_STATES), Ticket.assignee_id.is_not(None))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    online = db.execute(
        select(Operator.id, Operator.name, Operator.role, Operator.max_open_tickets)
        .where(Operator.is_active.is_(True), Operator.is_available.is_(True))
        .order_by(Operator.name, Operator.id)
    ).all()
    people: list[dict[str, Any]] = [
        {
            "id": op_id,
            "name": name,
            "role": role.value,
            "open_tickets": int(load.get(op_id, 0)),
            "max_open_tickets": cap,
            "load": _ratio(load.get(op_id, 0), cap),
        }
        for op_id, name, role, cap in online
    ]
    total_open = sum(p["open_tickets"] for p in people)
    total_cap = sum(p["max_open_tickets"] or 0 for p in people)
    return {"online": len(people), "load": _ratio(total_open, total_cap), "people": people}


def metrics(db: Session, period: Period, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    today = today_period(period.tz, now)
    today_block = window_metrics(db, today.start, today.end)
    same = (period.start, period.end) == (today.start, today.end)
    return {
        "generated_at": now.isoformat(),
        "timezone": period.tz.key,
        "period": {
            "from": period.label_from,
            "to": period.label_to,
            "start": period.start.isoformat(),
            "end_exclusive": period.end.isoformat(),
        },
        "current": current_state(db),
        "today": today_block,
        "selected_period": today_block if same else window_metrics(db, period.start, period.end),
    }


def realtime_snapshot(db: Session, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    current = current_state(db)
    calls_last_hour = db.execute(
        select(func.count()).where(_in(Call.started_at, now - timedelta(hours=1), now))
    ).scalar_one()
    return {
        "generated_at": now.isoformat(),
        "open_by_state": current["open_by_state"],
        "open_tickets": current["open_tickets"],
        "unassigned": current["unassigned"],
        "at_risk": current["at_risk"],
        "breached": current["breached"],
        "operators_online": current["operators"]["online"],
        "calls_last_hour": int(calls_last_hour or 0),
    }
