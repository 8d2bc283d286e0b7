"""The event bus: services publish domain events, subscribers react.

A service says what happened (`publish(db, TicketCreated(...))`) and knows nothing of who
listens. Subscribers are registered at the edge (`uanl.wiring`), in one of two phases:

- ``IN_TRANSACTION``: called at once, with the publishing session, inside the same unit of
  work. For reactions that must commit or roll back with the change itself: notification
  rows (the outbox), auto-assignment, history. They may read and write through `db`.
- ``AFTER_COMMIT``: called once the outermost transaction has committed, with the event
  only (the session is finished). For I/O: sending Celery tasks (carrying ids), publishing
  to the live dashboards, later channels and push. They must not touch the database; an
  exception is logged and never reaches the request, which has already committed.

After-commit delivery follows the transaction that published the event: an event published
inside a savepoint (`db.begin_nested()`) is dropped if that savepoint rolls back, kept when
it is released, and delivered only when the outer transaction commits. A rollback of the
outer transaction drops everything it buffered. (SQLAlchemy's own `after_commit` also fires
when a savepoint is released, and `after_rollback` when one rolls back: both are handled
here, so a savepoint neither sends early nor drops its parent's events.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from loguru import logger
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "uanl_event_bus"


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event: a plain, immutable record of something that happened."""


class Phase(Enum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


IN_TRANSACTION = Phase.IN_TRANSACTION
AFTER_COMMIT = Phase.AFTER_COMMIT

E = TypeVar("E", bound=DomainEvent)
InTransaction = Callable[[Session, Any], None]
AfterCommit = Callable[[Any], None]

_in_tx: dict[type, list[InTransaction]] = defaultdict(list)
_after: dict[type, list[AfterCommit]] = defaultdict(list)
_resolved: dict[tuple[Phase, type], list[Any]] = {}
_committed_on: ContextVar[Engine | None] = ContextVar("uanl_committed_on", default=None)


def committed_engine() -> Engine | None:
    """In an after-commit subscriber: the engine the event's transaction committed on."""
    return _committed_on.get()


def subscribe(event_type: type[E], handler: Callable[..., None], phase: Phase) -> None:
    """Register `handler` for `event_type` and its subclasses (idempotent per pair)."""
    table = _in_tx if phase is IN_TRANSACTION else _after
    if handler not in table[event_type]:
        table[event_type].append(handler)
        _resolved.clear()


def handlers(event_type: type, phase: Phase) -> list[Any]:
    """The handlers that receive `event_type`: its own, then its bases', in registration
    order within each class."""
    key = (phase, event_type)
    found = _resolved.get(key)
    if found is None:
        table = _in_tx if phase is IN_TRANSACTION else _after
        found = [h for cls in event_type.__mro__ for h in table.get(cls, ())]
        _resolved[key] = found
    return found


def publish(db: Session, event: DomainEvent) -> None:
    """Run the in-transaction subscribers now; buffer the event for the after-commit ones."""
    for handler in handlers(type(event), IN_TRANSACTION):
        handler(db, event)
    if handlers(type(event), AFTER_COMMIT):
        _buffer(db).append((_current(db), event))


def pending(db: Session) -> list[DomainEvent]:
    """The events this session will deliver after its commit, in publishing order."""
    return [event for _tx, event in db.info.get(_KEY, ())]


def _buffer(db: Session) -> list[tuple[SessionTransaction | None, DomainEvent]]:
    pending: list[tuple[SessionTransaction | None, DomainEvent]]
    pending = db.info.setdefault(_KEY, [])
    return pending


def _current(db: Session) -> SessionTransaction | None:
    """The innermost transaction the event belongs to (None before the session began one:
    such events belong to the outermost transaction)."""
    return db.get_nested_transaction() or db.get_transaction()


def deliver(event: DomainEvent) -> None:
    """Call the after-commit subscribers of one event; a failing one is logged, not raised."""
    for handler in handlers(type(event), AFTER_COMMIT):
        try:
            handler(event)
        except Exception as exc:  # noqa: BLE001 - the change is committed already
            logger.warning(
                "after-commit subscriber {} failed on {}: {}: {}",
                getattr(handler, "__qualname__", handler),
                type(event).__name__,
                type(exc).__name__,
                str(exc)[:300],
            )


def deliver_unbegun(session: Session) -> None:
    """After `session.commit()`: deliver what was published while no transaction had begun
    (a commit that touched nothing fires no after_commit event). Else a no-op."""
    if session.info.get(_KEY) and session.get_transaction() is None:
        _deliver_all(session)


@sa_event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    pending = session.info.get(_KEY)
    if not pending:
        return
    nested = session.get_nested_transaction()
    if nested is not None:  # a savepoint was released: its events now belong to its parent
        parent = nested.parent
        session.info[_KEY] = [(parent if tx is nested else tx, ev) for tx, ev in pending]
        return
    _deliver_all(session)


def _deliver_all(session: Session) -> None:
    pending = session.info.pop(_KEY)
    bind = session.get_bind()
    token = _committed_on.set(bind if isinstance(bind, Engine) else bind.engine)
    try:
        for _tx, event in pending:
            deliver(event)
    finally:
        _committed_on.reset(token)


@sa_event.listens_for(Session, "after_transaction_end")
def _on_end(session: Session, transaction: SessionTransaction) -> None:
    """A transaction ended without its events moving on (rolled back or closed): drop them.
    The outermost one ending drops whatever is left."""
    pending = session.info.get(_KEY)
    if not pending:
        return
    if transaction.parent is None:
        del session.info[_KEY]
        return
    kept = [(tx, ev) for tx, ev in pending if tx is not transaction]
    if len(kept) != len(pending):
        session.info[_KEY] = kept
