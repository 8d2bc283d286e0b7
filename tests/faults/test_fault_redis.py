"""Redis (broker) stopped while tickets are created; nothing queued is lost when it returns.

The app and a real Celery worker use a Redis server of this test's own (no persistence, so
whatever sat in it when it stopped is gone — the worst case). Tickets for a client with
an e-mail address each owe one notification. With Redis down the API must still answer
201: the notification is a row first (outbox) and the task send is logged and skipped.
When Redis is back, the notification sweep (what beat runs every 30 s; sent here once,
directly, so the test does not wait for beat's schedule) queues every pending row and the
worker delivers each exactly once: lost = 0.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.faults.conftest import Outbox, Tally
from tests.notifications.fakes import celery_broker
from tests.workers import running_worker, wait_for
from uanl.core import db as dbmod
from uanl.core.tasks import send_now
from uanl.models import Notification

BEFORE, DURING = 3, 8


def _statuses() -> list[str]:
    with dbmod.session_scope() as db:
        return [s.value for s in db.scalars(select(Notification.status).order_by(Notification.id))]


def test_redis_stopped_tickets_still_created_and_nothing_lost(
    app: Any, admin_h: dict[str, str], outbox: Outbox
) -> None:
    tally = Tally("redis stopped")
    redis_server, smtp_server = outbox.redis, outbox.smtp
    smtp_server.start()
    live, customer_id = outbox.live, outbox.customer_id

    created: list[int] = []
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        celery_broker(live, redis_url=redis_server.url),
        running_worker(live, redis_url=redis_server.url, **smtp_server.env()),
    ):

        def post(n: int) -> None:
            tally.sent += 1
            body = {"title": f"Sin red {n}", "client_id": customer_id}
            resp = client.post("/api/v1/tickets", json=body, headers=admin_h)
            if resp.status_code == 201:
                tally.ok += 1
                created.append(resp.json()["id"])
            else:
                tally.failed += 1
                tally.notes.append(f"{resp.status_code} {resp.text[:200]}")

        for n in range(BEFORE):
            post(n)
        wait_for(lambda: _statuses() == ["sent"] * BEFORE, timeout=30)

        redis_server.stop()
        began = time.monotonic()
        for n in range(BEFORE, BEFORE + DURING):
            post(n)
        outage_s = time.monotonic() - began
        assert _statuses().count("pending") == DURING  # rows exist; their tasks never left
        redis_server.start()  # same port, empty: the queued messages are gone

        # The worker reconnects by itself; the sweep re-queues every pending row.
        wait_for(lambda: send_now("uanl.notifications.sweep", 0.0), timeout=30, interval=1)
        wait_for(lambda: _statuses() == ["sent"] * (BEFORE + DURING), timeout=60, interval=0.5)
        send_now("uanl.notifications.sweep", 0.0)  # a second sweep finds nothing to redo
        time.sleep(2)

    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    tally.lost = (BEFORE + DURING) - len(set(message_ids))
    tally.report(outage_requests_s=f"{outage_s:.1f}", emails=len(message_ids))
    assert tally.failed == 0, tally.notes
    assert len(created) == BEFORE + DURING
    assert tally.lost == 0
    assert len(message_ids) == len(set(message_ids)) == BEFORE + DURING  # each exactly once
