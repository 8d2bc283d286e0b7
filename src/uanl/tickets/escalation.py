"""Escalation sweep: at-risk, breached and neglected urgent tickets, each condition once.

Idempotency without extra columns: every condition has the instant it began (a deadline, the
80 % point of the span to a deadline, ``created_at`` + N minutes for neglected urgent
tickets). A ticket escalates when some condition that holds now began *after* its last
escalation (``escalated_at``), and while ``escalation_level`` is below the maximum. The
escalation sets ``escalated_at = now``, so a second sweep finds nothing new; a ticket that
goes from at risk to breached escalates once more, a ticket that stays breached does not.

The selection and the level/instant update are one statement over all open tickets
(PostgreSQL: ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``, so two
concurrent sweeps never pick the same ticket; SQLite, which serializes writers: a select and
an update that re-checks the condition). Python then handles only the escalated tickets:
priority raise and SLA recompute, reassignment, history, and the notifications of each batch
in bulk (`emit_for_tickets`: the same rows `emit` writes, one INSERT and one task per page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from uanl.core import config
from uanl.core.events import publish
from uanl.core.sqltime import seconds_between
from uanl.models import (
    OPEN_STATES,
    Operator,
    Role,
    Ticket,
    TicketPriority,
    TicketState,
)
from uanl.models.base import UTCDateTime
from uanl.sla import service as sla
from uanl.sla.policies import client_tiers, load_config
from uanl.tickets import events
from uanl.tickets.assignment import assignment_lock
from uanl.tickets.history import record_event

LOAD_WEIGHT = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
#: Escalations handled per run (the beat runs every minute; see `escalation_sweep`).
MAX_PER_SWEEP = 1000
ACTIVE_STATES = tuple(s for s in OPEN_STATES if s != TicketState.waiting)

# Worst first: the reason reported when several new conditions hold at once.
REASONS = (
    "resolution_breached",
    "first_response_breached",
    "urgent_unanswered",
    "urgent_unassigned",
    "resolution_at_risk",
    "first_response_at_risk",
)
REASON_TEXT = {
    "resolution_breached": "SLA de resolución vencido / resolution SLA breached",
    "first_response_breached": "SLA de primera respuesta vencido / first-response SLA breached",
    "urgent_unanswered": "urgente sin respuesta / urgent ticket unanswered",
    "urgent_unassigned": "urgente sin asignar / urgent ticket unassigned",
    "resolution_at_risk": "SLA de resolución en riesgo / resolution SLA at risk",
    "first_response_at_risk": "SLA de primera respuesta en riesgo / first-response SLA at risk",
}


def new_conditions(db: Session, now: datetime) -> dict[str, ColumnElement[bool]]:
    """For each reason: it holds now and began after the ticket's last escalation."""
    s = config.get_settings()
    fraction = float(s.escalation_at_risk_fraction)
    cfg = load_config(db)
    c = sla.sql_conditions(db, now, fraction, cfg)
    targets = sla.policy_targets(cfg)
    never = Ticket.escalated_at.is_(None)

    def since_created(x: Any) -> ColumnElement[float]:
        return seconds_between(db, Ticket.created_at, x)

    def after(instant_s: ColumnElement[float]) -> ColumnElement[bool]:
        """escalated_at is before the instant ``instant_s`` seconds after creation."""
        return or_(never, since_created(Ticket.escalated_at) < instant_s)

    def risk_after(due: Any, target: ColumnElement[Any]) -> ColumnElement[bool]:
        """escalated_at is before the at-risk point ``due - (1 - fraction) * target``."""
        left = seconds_between(db, Ticket.escalated_at, due)
        return or_(never, left > (1.0 - fraction) * 60.0 * target)

    urgent = Ticket.priority == TicketPriority.urgent
    unassigned_s = s.escalation_urgent_unassigned_minutes * 60.0
    unanswered_s = s.escalation_urgent_unanswered_minutes * 60.0
    return {
        "resolution_breached": and_(
            c["res_breached"], or_(never, Ticket.escalated_at < Ticket.resolution_due_at)
        ),
        "first_response_breached": and_(
            c["fr_breached"], or_(never, Ticket.escalated_at < Ticket.first_response_due_at)
        ),
        "urgent_unanswered": and_(
            urgent,
            Ticket.first_responded_at.is_(None),
            Ticket.created_at <= literal(now - timedelta(seconds=unanswered_s), UTCDateTime()),
            after(literal(unanswered_s)),
        ),
        "urgent_unassigned": and_(
            urgent,
            Ticket.assignee_id.is_(None),
            Ticket.created_at <= literal(now - timedelta(seconds=unassigned_s), UTCDateTime()),
            after(literal(unassigned_s)),
        ),
        "resolution_at_risk": and_(
            c["res_at_risk"],
            risk_after(Ticket.resolution_due_at, targets["resolution_minutes"]),
        ),
        "first_response_at_risk": and_(
            c["fr_at_risk"],
            risk_after(Ticket.first_response_due_at, targets["first_response_minutes"]),
        ),
    }


def _candidates_filter(db: Session, now: datetime) -> tuple[ColumnElement[bool], Any]:
    conds = new_conditions(db, now)
    reason = case(*((conds[r], r) for r in REASONS), else_=None)
    where = and_(
        Ticket.state.in_(ACTIVE_STATES),
        Ticket.sla_paused_at.is_(None),
        Ticket.escalation_level < config.get_settings().escalation_max_level,
        or_(*conds.values()),
    )
    return where, reason


def _mark(db: Session, now: datetime, limit: int | None) -> list[tuple[int, str, int]]:
    """Set level+1 and escalated_at on the tickets to escalate (worst reason first, at most
    ``limit``): returns (id, reason, new level)."""
    where, reason = _candidates_filter(db, now)
    severity = case(*((reason == r, i) for i, r in enumerate(REASONS)), else_=len(REASONS))
    order = (severity, Ticket.id)
    table = cast(Table, Ticket.__table__)
    bump = {
        "escalation_level": Ticket.escalation_level + 1,
        "escalated_at": literal(now, UTCDateTime()),
        "version": Ticket.version + 1,
    }
    if db.get_bind().dialect.name == "postgresql":
        picked = (
            select(Ticket.id.label("id"), reason.label("reason"))
            .where(where)
            .order_by(*order)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("picked")
        )
        rows = db.execute(
            update(table)
            .where(table.c.id == picked.c.id)
            .values(**bump)
            .returning(table.c.id, picked.c.reason, table.c.escalation_level)
        ).all()
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]
    found = {
        int(i): str(r)
        for i, r in db.execute(select(Ticket.id, reason).where(where).order_by(*order).limit(limit))
    }
    out: list[tuple[int, str, int]] = []
    ids = sorted(found)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        done = db.execute(
            update(table)
            .where(table.c.id.in_(chunk), where)
            .values(**bump)
            .returning(table.c.id, table.c.escalation_level)
        ).all()
        out.extend((int(r[0]), found[int(r[0])], int(r[1])) for r in done)
    return out


@dataclass
class _Helper:
    id: int
    role: Role
    is_senior: bool
    open_count: int
    load: int
    capacity: int

    def order(self) -> tuple[int, int, int, int]:
        # Supervisors before seniors at equal load: they own the escalation.
        return (self.load, self.open_count, 0 if self.role == Role.supervisor else 1, self.id)


def _helpers(db: Session) -> dict[int, _Helper]:
    """Supervisors and senior operators on shift, with their open load (one grouped query)."""
    weight = case(LOAD_WEIGHT, value=Ticket.priority, else_=1)
    rows = db.execute(
        select(
            Operator.id,
            Operator.role,
            Operator.is_senior,
            func.count(Ticket.id),
            func.coalesce(func.sum(weight), 0),
            Operator.max_open_tickets,
        )
        .outerjoin(Ticket, (Ticket.assignee_id == Operator.id) & Ticket.state.in_(OPEN_STATES))
        .where(
            Operator.is_active.is_(True),
            Operator.is_available.is_(True),
            or_(
                Operator.role == Role.supervisor,
                and_(Operator.role == Role.operator, Operator.is_senior.is_(True)),
            ),
        )
        .group_by(Operator.id, Operator.role, Operator.is_senior, Operator.max_open_tickets)
    ).all()
    return {r[0]: _Helper(r[0], r[1], bool(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}


def _pick_helper(helpers: dict[int, _Helper], ticket: Ticket) -> _Helper | None:
    if ticket.assignee_id in helpers:
        return None  # already with a supervisor or a senior: keep them
    free = [h for h in helpers.values() if h.open_count < h.capacity]
    return min(free, key=_Helper.order) if free else None


def _raise(priority: TicketPriority, rules: dict[str, str]) -> TicketPriority:
    """The priority ESCALATION_PRIORITY_RULES raises this one to (itself when no rule)."""
    return TicketPriority(rules.get(priority.value, priority.value))


# Ticket columns the per-ticket step may change; written back in one executemany UPDATE.
WRITTEN = (
    "priority",
    "assignee_id",
    "assigned_at",
    "updated_at",
    "sla_policy_id",
    "first_response_due_at",
    "resolution_due_at",
    "sla_status",
)


def _write_back(db: Session, tickets: list[Ticket]) -> None:
    """One executemany UPDATE for the batch instead of one ORM UPDATE per ticket (the
    version column makes the ORM issue them one by one); the loaded objects are then marked
    clean with the values written. The rows are locked by this transaction since `_mark`."""
    if not tickets:
        return
    table = cast(Table, Ticket.__table__)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("w_id"))
        .values(
            {table.c[k]: bindparam(f"w_{k}", type_=table.c[k].type) for k in WRITTEN}
            | {table.c.version: table.c.version + 1}
        )
    )
    params = [{"w_id": t.id} | {f"w_{k}": getattr(t, k) for k in WRITTEN} for t in tickets]
    with db.no_autoflush:  # an autoflush here would write the same rows one by one first
        db.execute(stmt, params)
    for t in tickets:
        for k in WRITTEN:
            set_committed_value(t, k, getattr(t, k))
        set_committed_value(t, "version", t.version + 1)


def escalation_sweep(db: Session, now: datetime, *, limit: int | None = MAX_PER_SWEEP) -> int:
    """Escalate at-risk, breached and neglected urgent tickets once each; return how many.

    At most ``limit`` tickets per run, worst reason first: a backlog (first start, an outage)
    drains over a few runs instead of one run outliving the task's time limit.
    """
    marked = _mark(db, now, limit)
    if not marked:
        return 0
    settings = config.get_settings()
    rules = settings.escalation_priority_map if settings.escalation_raise_priority else {}
    by_id = {i: (reason, level) for i, reason, level in marked}
    ids = sorted(by_id)
    cfg = load_config(db)
    assignment_lock(db)  # same lock as automatic assignment: loads read below stay true
    helpers = _helpers(db)
    for start in range(0, len(ids), 1000):
        tickets = list(
            db.scalars(
                select(Ticket)
                .where(Ticket.id.in_(ids[start : start + 1000]))
                .options(lazyload(Ticket.tag_rows))
                .execution_options(populate_existing=True)
            )
        )
        tiers = client_tiers(db, (t.client_id for t in tickets))
        for ticket in tickets:
            reason, level = by_id[ticket.id]
            changes: dict[str, list[Any]] = {"escalation_level": [level - 1, level]}
            raised = _raise(ticket.priority, rules)
            if raised != ticket.priority:
                changes["priority"] = [ticket.priority.value, raised.value]
                ticket.priority = raised
                sla.compute(ticket, cfg, tiers.get(ticket.client_id or 0), now)
            helper = _pick_helper(helpers, ticket)
            if helper is not None:
                changes["assignee_id"] = [ticket.assignee_id, helper.id]
                previous = helpers.get(ticket.assignee_id or 0)
                if previous is not None:
                    previous.open_count -= 1
                helper.open_count += 1
                helper.load += LOAD_WEIGHT[ticket.priority.value]
                ticket.assignee_id = helper.id
                ticket.assigned_at = now
            ticket.updated_at = now
            record_event(
                db,
                ticket,
                "escalated",
                None,
                changes,
                note=f"{reason}: {REASON_TEXT[reason]} (nivel {level})",
                actor_type="system",
            )
        _write_back(db, tickets)
        db.flush()
        escalated = events.TicketsEscalated(
            tuple((t.id, {"reason": by_id[t.id][0], "level": by_id[t.id][1]}) for t in tickets),
            tuple(events.ticket_picture(t) for t in tickets),
        )
        publish(db, escalated)
    return len(marked)
