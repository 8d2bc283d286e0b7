"""SMTP down: notifications queued meanwhile are retried and delivered once it returns.

The worker (Redis broker of this test's own) tries each e-mail, fails to connect, puts the
row back to `pending` with backoff (base 1 s here) and re-queues its own task with that
countdown. No sweep is involved: the retry chain alone delivers everything once the SMTP
server (same port) is back. Every e-mail exactly once, lost = 0.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.faults.conftest import Outbox, Tally
from tests.notifications.fakes import celery_broker
from tests.workers import running_worker, wait_for
from uanl.core import db as dbmod
from uanl.models import Notification

TICKETS = 5


def _rows() -> list[tuple[str, int]]:
    with dbmod.session_scope() as db:
        stmt = select(Notification.status, Notification.attempts).order_by(Notification.id)
        return [(s.value, a) for s, a in db.execute(stmt)]


def test_smtp_down_mail_delivered_once_it_returns(
    app: Any, admin_h: dict[str, str], outbox: Outbox
) -> None:
    tally = Tally("smtp down")
    live, customer_id = outbox.live, outbox.customer_id
    redis_server, smtp_server = outbox.redis, outbox.smtp
    env = {**smtp_server.env(), "NOTIFICATION_BACKOFF_BASE_S": "1", "SMTP_TIMEOUT_S": "2"}

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        celery_broker(live, redis_url=redis_server.url),
        running_worker(live, redis_url=redis_server.url, **env),
    ):
        for n in range(TICKETS):
            body = {"title": f"Correo caído {n}", "client_id": customer_id}
            resp = client.post("/api/v1/tickets", json=body, headers=admin_h)
            tally.sent += 1
            tally.ok += resp.status_code == 201
        # Every notification was tried and retried (backoff) and waits again; none failed.
        wait_for(lambda: all(s == "pending" and a >= 2 for s, a in _rows()), timeout=30)
        tries_while_down = sum(a for _, a in _rows())
        smtp_server.start()
        wait_for(lambda: [s for s, _ in _rows()] == ["sent"] * TICKETS, timeout=60)

    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    tally.failed = tally.sent - tally.ok
    tally.lost = TICKETS - len(set(message_ids))
    duplicates = len(message_ids) - len(set(message_ids))
    tally.report(failed_attempts_while_down=tries_while_down, duplicates=duplicates)
    assert tally.failed == 0 and tally.lost == 0 and duplicates == 0
