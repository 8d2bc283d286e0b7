"""A real Celery worker: nothing is lost when SMTP or the broker is down, nothing sent twice."""

from __future__ import annotations

import time

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Staff
from tests.factories import make_client, make_ticket
from tests.notifications.fakes import HttpRecorder, SmtpServer, celery_broker
from tests.notifications.helpers import rows
from tests.workers import running_worker, wait_for
from uanl.core.config import Settings
from uanl.core.tasks import send_now
from uanl.models import NotificationStatus
from uanl.notifications.events import emit_for_tickets

REDIS_URL = "redis://127.0.0.1:6379/14"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
NO_RESULT = {"ignore_result": True}


def _statuses(db: Session) -> list[str]:
    return [n.status.value for n in rows(db)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_worker_keeps_retrying_while_smtp_is_down_and_sends_once(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    staff: Staff,
    admin_h: dict[str, str],
) -> None:
    """Embedded mode (SQLite + filesystem transport), as `make run` uses it."""
    customer = make_client(db)
    smtp.stop()
    with (
        celery_broker(notif_settings),
        running_worker(notif_settings, **smtp.env(), NOTIFICATION_BACKOFF_BASE_S="1") as worker,
    ):
        resp = client.post(
            "/api/v1/tickets", json={"title": "Sin red", "client_id": customer.id}, headers=admin_h
        )
        assert resp.status_code == 201, resp.text
        wait_for(lambda: rows(db) and rows(db)[0].attempts >= 1, timeout=20)
        [row] = rows(db)
        assert row.status == NotificationStatus.pending and "unreachable" in (row.last_error or "")
        smtp.start()
        wait_for(lambda: _statuses(db) == ["sent"], timeout=20)
        # Duplicated task messages (a redelivery after a worker restart) change nothing.
        done = worker.log().count("succeeded")
        send_now("uanl.notifications.deliver", row.id, _options=NO_RESULT)
        send_now("uanl.notifications.deliver", row.id, _options=NO_RESULT)
        wait_for(lambda: worker.log().count("succeeded") >= done + 2, timeout=10)
        time.sleep(0.5)
    assert len(smtp.messages) == 1
    [row] = rows(db)
    assert row.attempts >= 2 and row.last_error is None and row.sent_at is not None


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_ticket_created_while_redis_is_down_is_notified_once_it_is_back(
    client: TestClient,
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    staff: Staff,
    admin_h: dict[str, str],
) -> None:
    """Production mode (PostgreSQL + Redis): the row is the truth, the task is a hint."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    customer = make_client(db)
    body = {"title": "Servidor caído", "client_id": customer.id, "assignee_id": staff.operator.id}
    with celery_broker(notif_settings, redis_url=UNREACHABLE_BROKER):
        resp = client.post("/api/v1/tickets", json=body, headers=admin_h)
    assert resp.status_code == 201, resp.text  # the broker being down does not fail the request
    assert _statuses(db) == ["pending", "pending"]
    assert all(n.attempts == 0 for n in rows(db))

    with (
        running_worker(notif_settings, redis_url=REDIS_URL, **smtp.env()) as worker,
        celery_broker(notif_settings, redis_url=REDIS_URL),
    ):
        assert smtp.messages == []
        send_now("uanl.notifications.sweep", 0.0, _options=NO_RESULT)  # what beat does every 30 s
        wait_for(lambda: _statuses(db) == ["sent", "sent"], timeout=20)
        # A second sweep and replayed task messages find nothing left to send.
        send_now("uanl.notifications.sweep", 0.0, _options=NO_RESULT)
        for n in rows(db):
            send_now("uanl.notifications.deliver", n.id, _options=NO_RESULT)
        wait_for(lambda: worker.log().count("succeeded") >= 6, timeout=10)
    assert sorted(m["To"] for m in smtp.messages) == ["ana@cliente.mx", "oper@example.mx"]
    assert all(n.attempts == 1 for n in rows(db))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_worker_fans_a_batch_out_and_sends_each_row_once(
    db: Session,
    notif_settings: Settings,
    smtp: SmtpServer,
    hooks: dict[str, HttpRecorder],
    staff: Staff,
) -> None:
    """The escalation sweep's notifications: one `deliver_batch` message for many rows."""
    tickets = [make_ticket(db, staff.admin.id, None, title=f"Caída {i}") for i in range(3)]
    with (
        celery_broker(notif_settings),
        running_worker(
            notif_settings,
            **smtp.env(),
            SLACK_WEBHOOK_URL=str(notif_settings.slack_webhook_url),
            TEAMS_WEBHOOK_URL=str(notif_settings.teams_webhook_url),
        ) as worker,
    ):
        items = [(t, {"level": 1, "reason": "resolution_breached"}) for t in tickets]
        ids = emit_for_tickets(db, "ticket.escalated", items)
        db.commit()  # the batch task is sent now, after the rows are committed
        assert len(ids) == 9  # supervisor e-mail, Slack, Teams per ticket
        wait_for(lambda: _statuses(db)[-9:] == ["sent"] * 9, timeout=30)
        # A replayed batch message finds every row already sent.
        send_now("uanl.notifications.deliver_batch", sorted(ids), _options=NO_RESULT)
        wait_for(lambda: worker.log().count("deliver_batch") >= 2, timeout=10)
        wait_for(lambda: worker.log().count("succeeded") >= 1 + 9 + 1 + 9, timeout=20)
    assert sorted(m["Subject"] for m in smtp.messages) == sorted(
        f"[Escalamiento nivel 1] Ticket #{t.id}: {t.title}" for t in tickets
    )
    assert all(n.attempts == 1 for n in rows(db, event="ticket.escalated"))
    assert len(hooks["slack"].requests) == len(hooks["teams"].requests) == 3
