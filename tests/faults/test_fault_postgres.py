"""PostgreSQL restarted while tickets are being created.

A thread sends POST /tickets through a real uvicorn server to an app whose database is a
PostgreSQL server of this test's own; `pg_ctl restart -m fast` drops every connection.
Requests during the outage must fail cleanly (503 problem+json, no hang), the API must
answer 201 again by itself (pool_pre_ping, no app restart), and every 201 ticket must be
in the database afterwards (lost = 0).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Backend, make_settings
from tests.faults.conftest import Tally
from tests.faults.procs import PgServer, own_postgres
from tests.servers import serve_app
from tests.workers import wait_for
from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.models import Ticket

RECOVERY_BOUND_S = 30.0  # "within seconds": a generous bound, not a timing measurement


@pytest.fixture
def pg() -> Iterator[PgServer]:
    with own_postgres() as server:
        yield server


@pytest.fixture
def backend(pg: PgServer, tmp_path: Path) -> Backend:
    migrate.upgrade(url=pg.url)
    return Backend("postgres", pg.url, make_settings(pg.url, tmp_path))


class Sender(threading.Thread):
    def __init__(self, base: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.base, self.headers = base, headers
        self.stop = threading.Event()
        self.created: list[int] = []
        self.outcomes: list[tuple[float, int, str]] = []  # (when, status, content type)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=15) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                body = {"title": f"Falla de red {n}", "priority": "medium"}
                try:
                    resp = http.post("/api/v1/tickets", json=body)
                except httpx.HTTPError as exc:  # a hang or a dropped connection
                    self.outcomes.append((time.monotonic(), 0, type(exc).__name__))
                    continue
                ctype = resp.headers.get("content-type", "")
                self.outcomes.append((time.monotonic(), resp.status_code, ctype))
                if resp.status_code == 201:
                    self.created.append(resp.json()["id"])
                else:
                    time.sleep(0.05)  # a client backing off a little, as clients do


def test_postgres_restart_while_requests_flow(
    app: Any, admin_h: dict[str, str], pg: PgServer
) -> None:
    tally = Tally("postgres restart")
    with serve_app(app) as base:
        sender = Sender(base, admin_h)
        sender.start()
        wait_for(lambda: len(sender.created) >= 20, timeout=30)
        began = time.monotonic()
        pg.restart()  # stop -m fast (every backend killed), then start again
        restarted = time.monotonic()
        wait_for(
            lambda: any(t > restarted and s == 201 for t, s, _ in sender.outcomes),
            timeout=RECOVERY_BOUND_S,
        )
        time.sleep(1.0)  # and it keeps working
        sender.stop.set()
        sender.join(timeout=30)

    outcomes = list(sender.outcomes)
    tally.sent = len(outcomes)
    tally.ok = sum(1 for _, s, _ in outcomes if s == 201)
    failures = [(s, c) for _, s, c in outcomes if s != 201]
    tally.failed = len(failures)
    with dbmod.session_scope() as db:
        stored = set(db.scalars(select(Ticket.id).where(Ticket.id.in_(sender.created))))
    tally.lost = len(set(sender.created) - stored)
    recovered_after = min(t for t, s, _ in outcomes if t > restarted and s == 201) - restarted
    tally.report(
        restart_took_s=f"{restarted - began:.1f}", first_201_after_s=f"{recovered_after:.1f}"
    )

    # Every failure is a clean 503 problem+json: no 500, no hang, no dropped connection.
    assert all(s == 503 and c.startswith("application/problem+json") for s, c in failures), failures
    assert tally.ok >= 21 and tally.lost == 0
