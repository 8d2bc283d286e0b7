"""Outbox delivery on SQLite and PostgreSQL: retries, backoff, leases, exactly-once sends."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy.orm import Session

from tests.conftest import Staff
from tests.factories import make_client, make_ticket
from tests.notifications.fakes import HttpRecorder, SmtpServer
from tests.notifications.helpers import deliver_pending, rows
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import NotificationChannel, NotificationStatus, utcnow
from uanl.notifications import channels, delivery
from uanl.notifications.channels import Message
from uanl.notifications.events import emit
from uanl.notifications.sweep import sweep


def test_smtp_down_then_delivered_exactly_once(
    db: Session, notif_settings: Settings, smtp: SmtpServer, staff: Staff
) -> None:
    ticket = make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db, ticket_id=ticket.id)
    assert row.status == NotificationStatus.pending and row.event == "ticket.created"
    smtp.stop()
    t0 = utcnow()
    outcome = delivery.deliver(db, row.id, now=t0)
    assert outcome.status == "retry" and outcome.retry_in == 1.0
    [row] = rows(db, ticket_id=ticket.id)
    assert row.status == NotificationStatus.pending and row.attempts == 1
    assert "SMTP unreachable" in (row.last_error or "")
    assert row.next_attempt_at == t0 + timedelta(seconds=1)
    # Not due yet: a duplicate task does nothing.
    assert delivery.deliver(db, row.id, now=t0).status == "skipped"

    smtp.start()
    later = t0 + timedelta(seconds=2)
    assert sweep(db, later) == [row.id]
    db.commit()
    assert delivery.deliver(db, row.id, now=later).status == "sent"
    # Redelivered task messages (acks_late, a worker restart...) find the row sent.
    for _ in range(3):
        assert delivery.deliver(db, row.id, now=later).status == "skipped"
    assert sweep(db, later + timedelta(minutes=5), grace_s=0) == []
    [row] = rows(db, ticket_id=ticket.id)
    assert row.status == NotificationStatus.sent and row.last_error is None
    assert row.sent_at == later and row.attempts == 2
    [message] = smtp.messages
    assert message["To"] == "ana@cliente.mx"
    assert (
        message["Subject"] == f"[Ticket #{ticket.id}] Recibimos su solicitud: Impresora sin tóner"
    )
    assert message["Message-ID"] == f"<uanl-notification-{row.id}@localhost>"
    assert row.context["delivery_note"].startswith("smtp 127.0.0.1")


def test_permanent_smtp_error_fails_at_once_with_reason(
    db: Session, notif_settings: Settings, smtp: SmtpServer, staff: Staff
) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    smtp.answer_data("550 5.1.1 <ana@cliente.mx>: Recipient address rejected")
    assert list(deliver_pending(db).values()) == ["failed"]
    [row] = rows(db)
    assert row.status == NotificationStatus.failed and row.attempts == 1
    assert row.last_error == "SMTP 550 5.1.1 <ana@cliente.mx>: Recipient address rejected"
    assert row.next_attempt_at is None
    assert sweep(db, utcnow() + timedelta(hours=2), grace_s=0) == []


def test_transient_421_backs_off_exponentially_then_gives_up(
    db: Session, notif_settings: Settings, smtp: SmtpServer, staff: Staff
) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db)
    now = utcnow()
    delays = []
    for _ in range(notif_settings.notification_max_attempts):
        smtp.answer_data("421 4.7.0 Try again later")
        outcome = delivery.deliver(db, row.id, now=now)
        if outcome.retry_in is not None:
            delays.append(outcome.retry_in)
            now += timedelta(seconds=outcome.retry_in)
    assert delays == [1.0, 2.0, 4.0]
    [row] = rows(db)
    assert row.status == NotificationStatus.failed and row.attempts == 4
    assert row.last_error == "SMTP 421 4.7.0 Try again later (gave up after 4 attempts)"
    assert smtp.messages == []


def test_crashed_sender_lease_expires_and_sweep_redelivers(
    db: Session, notif_settings: Settings, smtp: SmtpServer, staff: Staff
) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db)
    now = utcnow()
    # A worker claims the row and dies before sending (the claim is committed).
    lease = delivery.lease_seconds(notif_settings)
    assert delivery._claim(db, row.id, now, lease) == 1
    db.commit()
    assert delivery.deliver(db, row.id, now=now).status == "skipped"
    assert sweep(db, now + timedelta(seconds=lease - 1), grace_s=0) == []
    db.commit()
    assert rows(db)[0].status == NotificationStatus.sending
    assert sweep(db, now + timedelta(seconds=lease + 1)) == [row.id]
    db.commit()
    [row] = rows(db)
    assert row.status == NotificationStatus.pending
    assert row.last_error is not None and "lease expired" in row.last_error
    assert delivery.deliver(db, row.id, now=now + timedelta(seconds=lease + 2)).status == "sent"
    assert len(smtp.messages) == 1
    assert rows(db)[0].attempts == 2


def test_late_sender_cannot_overwrite_a_newer_attempt(
    db: Session, notif_settings: Settings, smtp: SmtpServer, staff: Staff
) -> None:
    """The documented at-least-once window: a send that outlives its lease is sent again,
    and the late sender's outcome is fenced off (attempt number) instead of clobbering."""
    make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db)
    now = utcnow()
    lease = delivery.lease_seconds(notif_settings)
    calls: list[int] = []

    class SlowThenLostChannel:
        def send(self, msg: Message, settings: Settings) -> str:
            calls.append(msg.notification_id)
            if len(calls) == 1:  # while "stuck", the lease expires and another worker sends
                other = dbmod.session_factory()()
                try:
                    later = now + timedelta(seconds=lease + 1)
                    sweep(other, later)
                    other.commit()
                    delivery.deliver(other, row.id, now=later, channels=fake)
                finally:
                    other.close()
                raise channels.TransientError("timed out")
            return "ok"

    fake = {NotificationChannel.email: SlowThenLostChannel()}
    outcome = delivery.deliver(db, row.id, now=now, channels=fake)
    assert outcome.status == "retry"  # what the late sender saw...
    [row] = rows(db)
    assert row.status == NotificationStatus.sent and row.attempts == 2  # ...was not recorded
    assert len(calls) == 2


def test_two_workers_racing_send_once(db: Session, notif_settings: Settings, staff: Staff) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    [row] = rows(db)
    sent: list[int] = []
    barrier = threading.Barrier(4)

    class Slow:
        def send(self, msg: Message, settings: Settings) -> str:
            sent.append(msg.notification_id)
            time.sleep(0.2)
            return "ok"

    results: list[str] = []

    def worker() -> None:
        session = dbmod.session_factory()()
        try:
            barrier.wait()
            outcome = delivery.deliver(
                session, row.id, channels={NotificationChannel.email: Slow()}
            )
            results.append(outcome.status)
        finally:
            session.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert sent == [row.id]


def test_webhooks_and_sms_delivered_with_backoff_on_429(
    db: Session, notif_settings: Settings, hooks: dict[str, HttpRecorder], staff: Staff
) -> None:
    ticket = make_ticket(db, staff.admin.id, make_client(db))
    ticket.escalation_level = 1
    emit(db, "ticket.escalated", ticket=ticket, extra={"level": 1, "reason": "SLA vencido"})
    db.commit()
    hooks["slack"].fail_next(1, 429, "rate_limited", {"Retry-After": "30"})
    now = utcnow()
    outcomes = deliver_pending(db, now=now)
    slack = rows(db, channel=NotificationChannel.slack)[0]
    assert outcomes[slack.id] == "retry"
    assert slack.next_attempt_at == now + timedelta(seconds=30)  # Retry-After beats 1 s
    assert slack.last_error == "HTTP 429: rate_limited"
    later = now + timedelta(seconds=31)
    assert delivery.deliver(db, slack.id, now=later).status == "sent"
    assert len(hooks["slack"].requests) == 1 and len(hooks["teams"].requests) == 1
    assert "SLA vencido" in hooks["slack"].requests[0].json()["text"]


def test_dev_outbox_without_smtp(db: Session, settings: Settings, staff: Staff) -> None:
    make_ticket(db, staff.admin.id, make_client(db))
    assert list(deliver_pending(db).values()) == ["sent"]
    [row] = rows(db)
    assert row.last_error is None
    note = row.context["delivery_note"]
    assert note.startswith("outbox ") and note.endswith(f"{row.id:08d}.eml")
    assert (settings.data_dir / "outbox" / f"{row.id:08d}.eml").exists()
