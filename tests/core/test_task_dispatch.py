"""Tasks leave for the broker only after their transaction commits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings
from uanl.core.tasks import enqueue_after_commit, send_now
from uanl.worker import celery_app, configure_celery


def _queued_task_names(queue: Path) -> list[str]:
    names = []
    for f in sorted(queue.glob("*.msg")):
        names.append(json.loads(f.read_text())["headers"]["task"])
    return names


@pytest.fixture
def embedded(tmp_path, settings, app):
    local = make_settings(None, tmp_path)
    configure_celery(local)
    yield tmp_path / "queue"
    configure_celery(settings)


def test_rollback_sends_nothing_commit_sends_in_order(embedded, app):
    from uanl.core.db import session_scope

    with pytest.raises(RuntimeError), session_scope() as db:
        enqueue_after_commit(db, "uanl.tickets.assignment_sweep")
        raise RuntimeError("the request failed")
    assert _queued_task_names(embedded) == []
    with session_scope() as db:
        enqueue_after_commit(db, "uanl.tickets.assignment_sweep")
        enqueue_after_commit(db, "uanl.tickets.escalation_sweep")
        assert _queued_task_names(embedded) == []  # not before the commit
    assert sorted(_queued_task_names(embedded)) == [
        "uanl.tickets.assignment_sweep",
        "uanl.tickets.escalation_sweep",
    ]


def test_unreachable_broker_is_logged_not_raised_and_fast(tmp_path, settings):
    down = make_settings(None, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    configure_celery(down)
    try:
        start = time.monotonic()
        assert send_now("uanl.tickets.assignment_sweep") is False
        assert time.monotonic() - start < 10
    finally:
        configure_celery(settings)
    assert celery_app.conf.broker_url.startswith(("uanlfs", "redis"))
