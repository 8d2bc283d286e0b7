"""A Celery worker killed with SIGKILL in the middle of sending a notification.

The SMTP server (aiosmtpd, loopback) stalls the first delivery at RCPT, so the worker is
provably mid-task — row claimed (`sending`, attempt 1), connection open, nothing accepted
— when the whole worker process group gets SIGKILL. Two more tickets' tasks sit behind it
in Redis (one prefetched and unacked by the dead worker).

Which mechanism redoes the work, honestly: not Celery. Redis redelivers an unacked message
only after `visibility_timeout` (3600 s), and the dead worker cannot reject it. The
designed safety net is the notification sweep (beat, every 30 s): once the claim's lease
has expired it puts the row back to `pending` and queues it. The lease is at least 120 s,
so the test ages that one row's lease in the database instead of waiting two minutes, then
sends the sweep as beat would. Finally it replays every delivery task (what Redis would
redeliver an hour later): the claim makes them no-ops. Each e-mail arrives exactly once.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.faults.conftest import Outbox, Tally
from tests.notifications.fakes import _Handler, celery_broker
from tests.workers import running_worker, wait_for
from uanl.core import db as dbmod
from uanl.core.tasks import send_now
from uanl.models import Notification, NotificationStatus, utcnow

TICKETS = 3
NO_RESULT = {"ignore_result": True}


class StallFirstRcpt(_Handler):
    """Holds the first RCPT until released, then refuses it (its client is dead by then)."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def _rows() -> list[tuple[int, str, int]]:
    with dbmod.session_scope() as db:
        stmt = select(Notification.id, Notification.status, Notification.attempts)
        return [(i, s.value, a) for i, s, a in db.execute(stmt.order_by(Notification.id))]


def test_worker_sigkill_mid_task_redone_once(
    app: Any, admin_h: dict[str, str], outbox: Outbox
) -> None:
    tally = Tally("worker SIGKILL mid-task")
    redis_server, smtp_server = outbox.redis, outbox.smtp
    stall = StallFirstRcpt()
    smtp_server.handler = stall
    smtp_server.start()
    live, customer_id = outbox.live, outbox.customer_id
    env = {**smtp_server.env(), "SMTP_TIMEOUT_S": "30"}

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        celery_broker(live, redis_url=redis_server.url),
    ):
        with running_worker(live, redis_url=redis_server.url, **env) as first:
            for n in range(TICKETS):
                body = {"title": f"Impresora {n}", "client_id": customer_id}
                resp = client.post("/api/v1/tickets", json=body, headers=admin_h)
                assert resp.status_code == 201, resp.text
                tally.sent += 1
            assert stall.stalled.wait(timeout=30), first.log()[-2000:]
            first.kill()  # SIGKILL to the main process and its pool child
        stall.release.set()
        victim = next(i for i, status, _ in _rows() if status == "sending")

        # Time passes beyond the 120 s lease (aged in the row instead of waited for).
        with dbmod.session_scope() as db:
            db.execute(
                update(Notification)
                .where(Notification.id == victim)
                .values(next_attempt_at=utcnow() - timedelta(seconds=1))
            )
        with running_worker(live, redis_url=redis_server.url, **env) as second:
            send_now("uanl.notifications.sweep", 0.0, _options=NO_RESULT)  # what beat does
            wait_for(lambda: [s for _, s, _ in _rows()] == ["sent"] * TICKETS, timeout=40)
            # Redis' own redelivery of the killed task, an hour later: changes nothing.
            for notification_id, _, _ in _rows():
                send_now("uanl.notifications.deliver", notification_id, _options=NO_RESULT)
            wait_for(lambda: second.log().count("succeeded") >= TICKETS + 2, timeout=20)

    rows = _rows()
    attempts = {i: a for i, _, a in rows}
    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    tally.ok = len(set(message_ids))
    tally.lost = TICKETS - tally.ok
    duplicates = len(message_ids) - len(set(message_ids))
    tally.report(duplicates=duplicates, redone_attempts=attempts[victim])
    assert tally.lost == 0 and duplicates == 0
    assert len(message_ids) == TICKETS
    assert attempts[victim] == 2  # killed attempt + the redo
    assert all(s == NotificationStatus.sent.value for _, s, _ in rows)
