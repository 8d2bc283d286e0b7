"""Notification delivery rate to a local SMTP server (aiosmtpd), in messages per second.

Three figures for the same N messages in the same run:
  baseline  raw smtplib: the already-rendered messages over one SMTP connection
  direct    notifications.delivery.deliver(db, id) in a loop (claim, commit, send, record)
  worker    N rows queued after commit and delivered by a real Celery worker subprocess

    .venv/bin/python bench/notifications_smtp.py                      # SQLite, 2,000 messages
    .venv/bin/python bench/notifications_smtp.py -n 5000 --concurrency 4 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench \\
        --redis-url redis://127.0.0.1:6379/13

Without --redis-url the worker uses the embedded filesystem transport (as `make run` does).
--idle-seconds 30 first measures the idle worker's CPU (user + system, /proc) over 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children, from /proc (Linux)."""
    ticks = 0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for p in [pid, *map(int, children)]:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="messages per mode (default 2000)")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument("--redis-url", default=None, help="broker for the worker mode")
    ap.add_argument("--concurrency", type=int, default=2, help="worker processes")
    ap.add_argument("--skip-worker", action="store_true")
    ap.add_argument(
        "--idle-seconds",
        type=float,
        default=0.0,
        help="first measure the idle worker's CPU over this many seconds (Linux /proc)",
    )
    args = ap.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="uanl-bench-notif-"))
    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        "UANL_DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-" + "x" * 40,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    os.environ.update(env)

    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")

    from sqlalchemy import text

    from uanl.core import db as dbmod
    from uanl.core import migrate
    from uanl.core.config import get_settings
    from uanl.models import Notification, NotificationChannel, NotificationStatus
    from uanl.notifications import channels
    from uanl.notifications.compose import build_message
    from uanl.notifications.creation import create_notification
    from uanl.notifications.delivery import deliver
    from uanl.worker import configure_celery

    settings = get_settings()
    if args.database_url and settings.effective_database_url.startswith("postgresql"):
        engine = dbmod.build_engine(settings.effective_database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS uanl CASCADE"))
        engine.dispose()
    migrate.upgrade(url=settings.effective_database_url)
    dbmod.configure(settings)
    configure_celery(settings)
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    backend = "PostgreSQL" if "postgresql" in settings.effective_database_url else "SQLite"
    broker = "Redis" if args.redis_url else "filesystem"
    n = args.n

    def make_rows(queue: bool) -> list[int]:
        with dbmod.session_scope() as db:
            ids = []
            for i in range(n):
                row = create_notification(
                    db,
                    channel=NotificationChannel.email,
                    event="adhoc",
                    recipient=f"cliente{i}@example.mx",
                    template="adhoc",
                    context={
                        "subject": f"Aviso {i}",
                        "body": "Su técnico llega mañana a las 10:00.\nGracias.",
                        "ticket_id": None,
                        "ticket_url": None,
                        "sender_name": "Mesa de Servicio",
                    },
                )
                assert row is not None
                ids.append(row.id)
            if not queue:
                db.info.pop("uanl_pending_tasks", None)
            return ids

    results: dict[str, float] = {}

    # Baseline: the same messages, already built, over one raw smtplib connection.
    ids = make_rows(queue=False)
    with dbmod.session_scope() as db:
        rows = [db.get(Notification, i) for i in ids]
        messages = [channels.build_email(build_message(r, settings), settings) for r in rows if r]
    start = handler.count
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for m in messages:
            smtp.send_message(m)
    results["baseline (raw smtplib, 1 connection)"] = n / (time.perf_counter() - t0)
    assert handler.count - start == n

    # Direct: `delivery.deliver`, one call per row (two commits each).
    start = handler.count
    t0 = time.perf_counter()
    session = dbmod.session_factory()()
    for i in ids:
        assert deliver(session, i).status == "sent"
    session.close()
    results["service.deliver() loop"] = n / (time.perf_counter() - t0)
    assert handler.count - start == n

    idle_cpu: float | None = None
    if not args.skip_worker:
        log = data_dir / "worker.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "uanl.cli", "worker", f"--concurrency={args.concurrency}"],
            env={**os.environ},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            from uanl.worker import celery_app

            deadline = time.monotonic() + 60
            while not celery_app.control.ping(timeout=1.0):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("worker did not start:\n" + log.read_text()[-2000:])
            if args.idle_seconds:
                time.sleep(15)  # past start-up (imports, pool forks, first polls)
                before = worker_cpu_seconds(proc.pid)
                time.sleep(args.idle_seconds)
                idle_cpu = worker_cpu_seconds(proc.pid) - before
            start = handler.count
            t0 = time.perf_counter()
            make_rows(queue=True)  # rows + tasks queued after commit, as the API does
            while handler.count - start < n:
                if time.perf_counter() - t0 > 600:
                    raise SystemExit(f"only {handler.count - start}/{n} delivered in 600 s")
                time.sleep(0.01)
            elapsed = time.perf_counter() - t0
            key = f"Celery worker ({broker}, concurrency {args.concurrency}, incl. row creation)"
            results[key] = n / elapsed
            time.sleep(0.5)
            with dbmod.session_scope() as db:
                sent = (
                    db.query(Notification)
                    .filter(Notification.status == NotificationStatus.sent)
                    .count()
                )
            assert sent == 2 * n, sent  # the baseline sent the direct rows raw
            assert handler.count == 3 * n, handler.count  # nothing sent twice
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # The group's SIGTERM can stop a pool child holding billiard's queue lock; the
                # worker then hangs at exit in _help_stuff_finish. The figures are already in.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    controller.stop()

    print(f"Notification delivery to a local aiosmtpd — {n:,} messages per mode")
    print(
        f"database: {backend}; broker: {broker}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print("| mode | messages/s | vs baseline |")
    print("|---|---:|---:|")
    base = results["baseline (raw smtplib, 1 connection)"]
    for name, rate in results.items():
        print(f"| {name} | {rate:,.0f} | {rate / base:.0%} |")
    if idle_cpu is not None:
        share = idle_cpu / args.idle_seconds
        print(
            f"\nidle worker (concurrency {args.concurrency}, with its pool processes): "
            f"{idle_cpu:.2f} s CPU in {args.idle_seconds:.0f} s = {share:.2%} of one core"
        )


if __name__ == "__main__":
    main()
