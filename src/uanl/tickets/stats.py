"""`GET /tickets/stats`: counts and averages in a handful of aggregate queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uanl.core.sqltime import seconds_between
from uanl.models import OPEN_STATES, Ticket, TicketPriority, TicketState, utcnow
from uanl.tickets.schemas import TicketStats


def ticket_stats(
    db: Session, period_from: datetime | None, period_to: datetime | None
) -> TicketStats:
    conds = []
    if period_from is not None:
        conds.append(Ticket.created_at >= period_from)
    if period_to is not None:
        conds.append(Ticket.created_at < period_to)

    by_state = {s.value: 0 for s in TicketState}
    for state, n in db.execute(
        select(Ticket.state, func.count()).where(*conds).group_by(Ticket.state)
    ):
        by_state[state.value] = n
    by_priority = {p.value: 0 for p in TicketPriority}
    for prio, n in db.execute(
        select(Ticket.priority, func.count()).where(*conds).group_by(Ticket.priority)
    ):
        by_priority[prio.value] = n

    is_open = Ticket.state.in_(OPEN_STATES)
    now = utcnow()
    overdue, unassigned = db.execute(
        select(
            func.count().filter(is_open, Ticket.resolution_due_at < now),
            func.count().filter(is_open, Ticket.assignee_id.is_(None)),
        ).where(*conds)
    ).one()
    frt = seconds_between(db, Ticket.created_at, Ticket.first_responded_at)
    rt = seconds_between(db, Ticket.created_at, Ticket.resolved_at)
    avg_frt, avg_rt = db.execute(
        select(
            func.avg(frt).filter(Ticket.first_responded_at.is_not(None)),
            func.avg(rt).filter(Ticket.resolved_at.is_not(None)),
        ).where(*conds)
    ).one()
    return TicketStats(
        total=sum(by_state.values()),
        by_state=by_state,
        by_priority=by_priority,
        open=sum(by_state[s.value] for s in OPEN_STATES),
        overdue=int(overdue or 0),
        unassigned_open=int(unassigned or 0),
        avg_first_response_s=round(float(avg_frt), 1) if avg_frt is not None else None,
        avg_resolution_s=round(float(avg_rt), 1) if avg_rt is not None else None,
        period_from=period_from,
        period_to=period_to,
    )
