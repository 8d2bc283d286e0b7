"""Fault tests: real processes on loopback, each test owns the server it breaks.

`backend` is PostgreSQL only here (the production pairing with Redis); the PostgreSQL
restart test overrides it again with a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import (
    Backend,
    ensure_pg_database,
    make_settings,
    pg_url_for_worker,
    reset_pg_schema,
)
from tests.factories import make_client
from tests.faults.procs import RedisServer, own_redis
from tests.notifications.fakes import SmtpServer
from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.core.config import Settings


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    data_dir = tmp_path_factory.mktemp("faults")
    url = pg_url_for_worker()
    ensure_pg_database(url)
    reset_pg_schema(url)
    migrate.upgrade(url=url)
    yield Backend("postgres", url, make_settings(url, data_dir))


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with own_redis() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()  # not started: each test decides when SMTP is up
    yield server
    server.stop()


@dataclass
class Tally:
    """What a fault test reports: requests sent, failed (clean errors) and records lost."""

    name: str
    sent: int = 0
    ok: int = 0
    failed: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)

    def report(self, **extra: Any) -> None:
        extras = " ".join(f"{k}={v}" for k, v in extra.items())
        print(
            f"\n[fault] {self.name}: sent={self.sent} ok={self.ok} failed={self.failed} "
            f"lost={self.lost} {extras}".rstrip()
        )


@dataclass
class Outbox:
    """The app's settings pointed at this test's Redis and SMTP, and a client with e-mail
    (each ticket for it owes one notification)."""

    live: Settings
    customer_id: int
    redis: RedisServer
    smtp: SmtpServer


@pytest.fixture
def outbox(
    app: Any,
    settings: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Outbox:
    live = smtp_server.settings(settings, redis_url=redis_server.url)  # SMTP not started
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: live)
    with dbmod.session_scope() as db:
        customer_id = make_client(db, email="mesa@cliente.mx").id
    return Outbox(live, customer_id, redis_server, smtp_server)
