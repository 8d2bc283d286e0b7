"""Automatic assignment: the least-loaded available operator with the right skill.

Decisions are serialized: on PostgreSQL by a transaction-level advisory lock held until the
assigning transaction commits (so the next decision sees this one's result); in embedded
SQLite mode every transaction already holds the write lock (BEGIN IMMEDIATE). A request
that finds the lock busy does not wait for it: it hands the ticket to a task that assigns
after commit, so creates never queue behind each other. Loads are read in one grouped
query, not per operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from uanl.core.events import publish
from uanl.core.tasks import enqueue_after_commit
from uanl.models import OPEN_STATES, Operator, Role, Ticket, TicketPriority, utcnow
from uanl.operators.events import OperatorDeactivated
from uanl.tickets import events
from uanl.tickets.history import record_event

PRIORITY_WEIGHT = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
ADVISORY_KEY = 0x55414E4C  # "UANL"
ASSIGN_TASK = "uanl.tickets.assign"


@dataclass(frozen=True)
class Candidate:
    id: int
    open_count: int
    load: int
    capacity: int
    last_assigned_at: datetime | None
    skills: tuple[str, ...]


def assignment_lock(db: Session, *, wait: bool = True) -> bool:
    """Hold the assignment lock until this transaction ends; False if busy and not waiting."""
    if db.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
        return True
    return bool(db.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY}))


def candidates(db: Session) -> list[Candidate]:
    weight = case(PRIORITY_WEIGHT, value=Ticket.priority, else_=1)
    open_join = (Ticket.assignee_id == Operator.id) & Ticket.state.in_(OPEN_STATES)
    rows = db.execute(
        select(
            Operator.id,
            func.count(Ticket.id),
            func.coalesce(func.sum(weight), 0),
            Operator.max_open_tickets,
            Operator.last_assigned_at,
            Operator.skills,
        )
        .outerjoin(Ticket, open_join)
        .where(
            Operator.is_active.is_(True),
            Operator.is_available.is_(True),
            Operator.role == Role.operator,
        )
        .group_by(Operator.id)
    ).all()
    return [
        Candidate(
            r[0], int(r[1]), int(r[2]), int(r[3]), r[4], tuple(str(s).lower() for s in (r[5] or []))
        )
        for r in rows
    ]


def choose(
    pool: list[Candidate], category: str | None, urgent: bool
) -> tuple[Candidate | None, bool]:
    """The operator to take a ticket, and whether it goes over their capacity."""
    if category and any(category in c.skills for c in pool):
        pool = [c for c in pool if category in c.skills]

    free = [c for c in pool if c.open_count < c.capacity]
    if free:
        return min(free, key=_load_order), False
    if urgent and pool:
        return min(pool, key=_load_order), True
    return None, False


def _load_order(c: Candidate) -> tuple[int, int, int, float, int]:
    """Lowest weighted load, then fewest tickets, then never/least recently assigned."""
    ts = c.last_assigned_at.timestamp() if c.last_assigned_at else float("-inf")
    return (c.load, c.open_count, 0 if c.last_assigned_at is None else 1, ts, c.id)


def assign_or_defer(db: Session, ticket: Ticket, now: datetime | None = None) -> None:
    """Assign now if the lock is free; otherwise a task assigns right after commit."""
    if assignment_lock(db, wait=False):
        _assign_locked(db, ticket, now or utcnow())
    else:
        enqueue_after_commit(db, ASSIGN_TASK, ticket.id)


def auto_assign(db: Session, ticket: Ticket, now: datetime | None = None) -> Operator | None:
    """Assign `ticket` if someone can take it (waiting for the lock); else leave it queued."""
    assignment_lock(db, wait=True)
    return _assign_locked(db, ticket, now or utcnow())


def _assign_locked(db: Session, ticket: Ticket, now: datetime) -> Operator | None:
    """The decision itself; the caller holds the assignment lock."""
    chosen, over = choose(candidates(db), ticket.category, ticket.priority == TicketPriority.urgent)
    if chosen is None:
        return None
    operator = db.get(Operator, chosen.id)
    assert operator is not None
    ticket.assignee_id = operator.id
    ticket.assigned_at = now
    operator.last_assigned_at = now
    note = "automatic assignment"
    if over:
        note += (
            f" over capacity ({chosen.open_count}/{chosen.capacity}): urgent and "
            "nobody else could take it"
        )
    record_event(
        db,
        ticket,
        "assigned",
        None,
        {"assignee_id": [None, operator.id]},
        note=note,
        actor_type="system",
    )
    db.flush()
    publish(db, events.assigned(ticket, None, automatic=True))
    return operator


def assignment_sweep(db: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Assign queued tickets, most urgent and oldest first, while someone can take them."""
    stmt = (
        select(Ticket)
        .where(Ticket.assignee_id.is_(None), Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.priority_rank.desc(), Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    assigned = 0
    for ticket in db.scalars(stmt).all():
        if auto_assign(db, ticket, now) is not None:
            assigned += 1
    return assigned


def release_operator_tickets(db: Session, operator: Operator, now: datetime | None = None) -> int:
    """An operator left (deactivated): their open tickets go back to the queue and out again."""
    now = now or utcnow()
    tickets = db.scalars(
        select(Ticket).where(Ticket.assignee_id == operator.id, Ticket.state.in_(OPEN_STATES))
    ).all()
    for ticket in tickets:
        ticket.assignee_id = None
        ticket.assigned_at = None
        record_event(
            db,
            ticket,
            "unassigned",
            None,
            {"assignee_id": [operator.id, None]},
            note="operator deactivated",
            actor_type="system",
        )
    db.flush()
    for ticket in tickets:
        auto_assign(db, ticket, now)
    return len(tickets)


# -- subscribers (registered by uanl.wiring) ------------------------------------------------


def on_ticket_created(db: Session, event: events.TicketCreated) -> None:
    """A new ticket without an assignee goes to the least-loaded operator who can take it."""
    ticket = db.get(Ticket, event.ticket_id)
    if ticket is not None and ticket.assignee_id is None:
        assign_or_defer(db, ticket, ticket.created_at)


def on_ticket_updated(db: Session, event: events.TicketUpdated) -> None:
    """A ticket unassigned by an update while open is assigned again."""
    if "assignee_id" not in event.changes:
        return
    ticket = db.get(Ticket, event.ticket_id)
    if ticket is not None and ticket.assignee_id is None and ticket.state in OPEN_STATES:
        auto_assign(db, ticket, ticket.updated_at)


def on_operator_deactivated(db: Session, event: OperatorDeactivated) -> None:
    operator = db.get(Operator, event.operator_id)
    if operator is not None:
        release_operator_tickets(db, operator)
