"""Builders and fixtures that several test packages share (one copy, here).

Helpers are imported from here by the test modules. Fixtures are imported by the conftest.py
of each package that uses them (`from tests.factories import sla_db  # noqa: F401`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import Backend, make_settings
from uanl.core import db as dbmod
from uanl.models import Client, Language, Operator, Ticket, TicketPriority, TicketState
from uanl.sla import policies
from uanl.sla import service as sla
from uanl.tickets import service as tickets
from uanl.tickets.schemas import TicketCreate

MTY = ZoneInfo("America/Monterrey")


def mty(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    """A wall-clock time in Monterrey, as the UTC instant the database stores."""
    return datetime(y, m, d, h, mi, tzinfo=MTY).astimezone(UTC)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def sla_db(app: Any) -> Iterator[None]:
    """The default calendars and SLA policies (as migration 0002 seeds them), for 2026."""
    policies.invalidate()
    with dbmod.session_scope() as db:
        policies.install_defaults(db, year=2026)
    yield
    policies.invalidate()


# --- rows --------------------------------------------------------------------------------


def make_client(db: Session, **kw: Any) -> Client:
    values: dict[str, Any] = {
        "name": "Cervecería del Norte",
        "contact_name": "Ana Cliente",
        "email": "ana@cliente.mx",
        "phone": "8112345678",
        "language": Language.es,
    }
    values.update(kw)
    client = Client(**values)
    db.add(client)
    db.commit()
    return client


def make_ticket(db: Session, actor_id: int, client: Client | None = None, **kw: Any) -> Ticket:
    """A ticket created through the tickets service, as the API creates one (events too)."""
    actor = db.get(Operator, actor_id)
    data = TicketCreate(
        title=kw.pop("title", "Impresora sin tóner"), client_id=client.id if client else None, **kw
    )
    ticket = tickets.create_ticket(db, data, actor)
    db.commit()
    return ticket


def sla_ticket(db: Session, priority: str, created: datetime, **kw: Any) -> Ticket:
    """A new ticket row back-dated to `created`, its SLA deadlines computed as of then."""
    ticket = Ticket(
        title=kw.pop("title", f"Ticket {priority}"),
        priority=TicketPriority(priority),
        state=TicketState.new,
        created_at=created,
        updated_at=created,
        **kw,
    )
    db.add(ticket)
    db.flush()
    sla.apply_sla(db, ticket, created, reason="created")
    db.flush()
    return ticket


# --- apps and stores ---------------------------------------------------------------------


@contextmanager
def app_builder(backend: Backend, **defaults: str) -> Iterator[Callable[..., TestClient]]:
    """`build(**env)` gives a client on a second app on this backend with extra settings
    (`defaults`, then `env`); the clients are closed on leaving."""
    made: list[TestClient] = []

    def build(**env: str) -> TestClient:
        from uanl.app import create_app

        values = {**defaults, **env}
        settings = make_settings(backend.url, backend.settings.data_dir, **values)
        tc = TestClient(
            create_app(settings, configure_logging=False), raise_server_exceptions=False
        )
        made.append(tc)
        return tc

    try:
        yield build
    finally:
        for tc in made:
            tc.close()


def raw_store(backend: Backend, table: str) -> bytes:
    """Everything the database keeps: the SQLite file (and -wal/-shm), or a pg_dump of schema
    uanl that must hold `table`."""
    dbmod.get_engine().dispose()  # close pooled connections so SQLite has written its pages
    if backend.name == "sqlite":
        path = Path(make_url(backend.url).database or "")
        files = list(path.parent.glob(path.name + "*"))
        assert path in files
        return b"".join(p.read_bytes() for p in files)
    url = make_url(backend.url)
    dump = subprocess.run(
        ["pg_dump", "--data-only", "--schema=uanl", "-h", url.host or "127.0.0.1"]
        + ["-p", str(url.port or 5432), "-U", url.username or "postgres", url.database or ""],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PGPASSWORD": url.password or ""},
    ).stdout
    assert f"COPY uanl.{table}".encode() in dump  # the dump really holds the table
    return dump
