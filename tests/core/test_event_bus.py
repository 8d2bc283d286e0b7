"""The event bus: in-transaction subscribers share the unit of work; after-commit ones hear
only what the outermost transaction committed, savepoints included (both backends)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from uanl.core.db import session_scope
from uanl.core.events import AFTER_COMMIT, IN_TRANSACTION, DomainEvent, publish, subscribe
from uanl.core.tasks import enqueue_after_commit
from uanl.models import Client, Language
from uanl.worker import configure_celery


@dataclass(frozen=True)
class Happened(DomainEvent):
    name: str


@dataclass(frozen=True)
class HappenedTwice(Happened):
    """A subclass: its subscribers and its base's both hear it."""


heard: list[str] = []


def _after(event: Happened) -> None:
    heard.append(event.name)


def _twice(event: HappenedTwice) -> None:
    heard.append(f"twice:{event.name}")


def _writes_a_client(db, event: Happened) -> None:
    db.add(Client(name=f"from {event.name}", language=Language.es))
    db.flush()


@dataclass(frozen=True)
class Written(DomainEvent):
    name: str


subscribe(Happened, _after, AFTER_COMMIT)
subscribe(HappenedTwice, _twice, AFTER_COMMIT)
subscribe(Written, _writes_a_client, IN_TRANSACTION)


@pytest.fixture
def log(app):
    heard.clear()
    yield heard
    heard.clear()


def test_after_commit_subscribers_hear_only_committed_events(log):
    with session_scope() as db:
        publish(db, Happened("a"))
        db.flush()
        assert log == []  # not on publish, not on flush
    assert log == ["a"]
    with pytest.raises(RuntimeError), session_scope() as db:
        publish(db, Happened("b"))
        raise RuntimeError("the request failed")
    assert log == ["a"]


def test_a_savepoint_rollback_drops_its_own_events_only(log):
    """The issue's case: a rolled-back savepoint must not drop what was published before it."""
    with session_scope() as db:
        publish(db, Happened("before"))
        savepoint = db.begin_nested()
        publish(db, Happened("inside"))
        savepoint.rollback()
        publish(db, Happened("after"))
        assert log == []
    assert log == ["before", "after"]


def test_a_released_savepoint_delivers_with_the_outer_commit_not_before(log):
    with pytest.raises(RuntimeError), session_scope() as db:
        with db.begin_nested():
            publish(db, Happened("released"))
        assert log == []  # SQLAlchemy's after_commit fired for the savepoint: nothing sent
        raise RuntimeError("the outer transaction fails")
    assert log == []
    with session_scope() as db:
        with db.begin_nested():
            with db.begin_nested():
                publish(db, Happened("deep"))
            inner = db.begin_nested()
            publish(db, Happened("dropped"))
            inner.rollback()
        assert log == []
    assert log == ["deep"]


def test_subclass_events_reach_base_subscribers(log):
    with session_scope() as db:
        publish(db, HappenedTwice("x"))
    assert log == ["twice:x", "x"]


def test_in_transaction_subscribers_commit_and_roll_back_with_the_change(app):
    def clients() -> int:
        with session_scope() as db:
            return db.scalar(select(func.count()).select_from(Client)) or 0

    with pytest.raises(RuntimeError), session_scope() as db:
        publish(db, Written("rolled back"))
        raise RuntimeError("the request failed")
    assert clients() == 0
    with session_scope() as db:
        publish(db, Written("kept"))
        savepoint = db.begin_nested()
        publish(db, Written("savepoint"))
        savepoint.rollback()
    with session_scope() as db:
        names = db.scalars(select(Client.name)).all()
    assert names == ["from kept"]


def _queued(queue: Path) -> list[str]:
    return [json.loads(f.read_text())["headers"]["task"] for f in sorted(queue.glob("*.msg"))]


def test_tasks_queued_before_a_rolled_back_savepoint_are_still_sent(tmp_path, settings, app):
    """Before the bus, the savepoint's rollback dropped every task the transaction had queued."""
    configure_celery(make_settings(None, tmp_path))
    try:
        with session_scope() as db:
            enqueue_after_commit(db, "uanl.tickets.assignment_sweep")
            savepoint = db.begin_nested()
            enqueue_after_commit(db, "uanl.tickets.sla_status_sweep")
            savepoint.rollback()
            with db.begin_nested():
                enqueue_after_commit(db, "uanl.tickets.escalation_sweep")
            assert _queued(tmp_path / "queue") == []
        assert sorted(_queued(tmp_path / "queue")) == [
            "uanl.tickets.assignment_sweep",
            "uanl.tickets.escalation_sweep",
        ]
    finally:
        configure_celery(settings)
