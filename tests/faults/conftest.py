"""Fault tests: real processes on loopback, each test owns the server it breaks.

`backend` is PostgreSQL only here (the production pairing with Redis); the PostgreSQL
restart test overrides it again with a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    Backend,
    ensure_pg_database,
    make_settings,
    pg_url_for_worker,
    reset_pg_schema,
)
from tests.faults.procs import RedisServer, own_redis
from tests.notifications.fakes import SmtpServer
from uanl.core import migrate


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


def data_dir(settings: Any) -> Path:
    return Path(settings.data_dir)
