"""Shared fixtures: the API on SQLite and on PostgreSQL (schema `uanl`), real commits.

Every test that takes `client` runs twice, once per backend. Tables are emptied between
tests (TRUNCATE on PostgreSQL), so the request's own commit is what the test observes.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.core.config import Settings, get_settings
from uanl.core.crypto import generate_key
from uanl.core.security import create_access_token, hash_password
from uanl.models import Base, Operator, Role

# UANL_TEST_NOW=<ISO instant> runs the whole session at that instant (docs/testing.md).
pytest_plugins = ["tests.frozen_clock"]

# Code that reads the process-wide settings without the `settings` fixture (the demo's
# credentials file, for one) must write neither into the checkout's ./.data nor into a dir
# that two xdist workers share (its task queue above all): each session gets its own.
if "UANL_DATA_DIR" not in os.environ:
    os.environ["UANL_DATA_DIR"] = _SESSION_DATA_DIR = tempfile.mkdtemp(prefix="uanl-test-data-")
    atexit.register(shutil.rmtree, _SESSION_DATA_DIR, ignore_errors=True)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_test"
TEST_SECRET = secrets.token_urlsafe(48)
# One set of encryption keys for the session, like TEST_SECRET: settings built for other data
# dirs (second app instances, workers) must still read the rows the fixtures wrote.
TEST_DATA_KEYS = generate_key()
TEST_INDEX_KEY = generate_key()
PASSWORD = "Prueba-Segura-2026"
_PASSWORD_HASH = hash_password(PASSWORD)


def pg_url_for_worker() -> str:
    url = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    if "TEST_DATABASE_URL" not in os.environ:
        # One database per checkout, so two clones testing at once never share a schema.
        tag = hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
        url = url.set(database=f"{url.database}_{tag}")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = url.set(database=f"{url.database}_{worker}")
    return url.render_as_string(hide_password=False)


def ensure_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def reset_pg_schema(url: str) -> None:
    engine = dbmod.build_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS uanl CASCADE"))
    engine.dispose()


@dataclass
class Backend:
    name: str
    url: str
    settings: Settings


def make_settings(url: str | None, data_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "UANL_DATA_DIR": str(data_dir),
        "SECRET_KEY": TEST_SECRET,
        "DATA_ENCRYPTION_KEYS": TEST_DATA_KEYS,
        "BLIND_INDEX_KEY": TEST_INDEX_KEY,
        "UANL_ENV": "development",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_ENABLED": "false",  # tests/security enable it explicitly
        "REPORT_CACHE_SECONDS": "0",  # tests change data between reports; the cache test opts in
    }
    if url:
        values["DATABASE_URL"] = url
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'test.db'}"
    else:
        url = pg_url_for_worker()
        ensure_pg_database(url)
        reset_pg_schema(url)
    migrate.upgrade(url=url)
    settings = make_settings(url, data_dir)
    yield Backend(request.param, url, settings)


@pytest.fixture
def settings(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Make the backend's settings the process-wide ones for the duration of a test."""
    get_settings.cache_clear()
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: backend.settings)
    for module in (
        "uanl.core.security",
        "uanl.auth.service",
        "uanl.health.router",
        "uanl.core.migrate",
        "uanl.app",
    ):
        monkeypatch.setattr(f"{module}.get_settings", lambda: backend.settings, raising=False)
    yield backend.settings


def _empty_tables(backend: Backend) -> None:
    engine = dbmod.get_engine()
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if backend.name == "postgres":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_seq(conn) else None


def _has_sqlite_seq(conn: Any) -> bool:
    return (
        conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first()
        is not None
    )


@pytest.fixture
def app(settings: Settings, backend: Backend) -> Iterator[Any]:
    from uanl.app import create_app

    application = create_app(settings, configure_logging=False)
    _empty_tables(backend)
    from uanl.sla.policies import invalidate

    invalidate()  # cached SLA configuration belongs to the rows just deleted
    # Tasks queued by earlier tests refer to rows that no longer exist: empty the queue too.
    for message in (Path(settings.data_dir) / "queue").glob("*.msg"):
        message.unlink(missing_ok=True)
    yield application


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Staff:
    admin: Operator
    supervisor: Operator
    operator: Operator
    operator2: Operator

    def headers(self, who: Operator) -> dict[str, str]:
        return auth_header(who)


def auth_header(who: Operator) -> dict[str, str]:
    token = create_access_token(who.id, who.role.value).token
    return {"Authorization": f"Bearer {token}"}


def make_operator(name: str, email: str, role: Role, **kw: Any) -> Operator:
    with dbmod.session_scope() as db:
        op = Operator(
            name=name,
            email=email,
            role=role,
            password_hash=_PASSWORD_HASH,
            skills=kw.pop("skills", []),
            **kw,
        )
        db.add(op)
        db.flush()
        db.expunge(op)
    return op


@pytest.fixture
def staff(app: Any) -> Staff:
    # Operators are off shift, so automatic assignment leaves the CRUD tests' tickets alone;
    # tests/tickets/test_assignment*.py puts operators on shift explicitly.
    return Staff(
        admin=make_operator("Ana Admin", "admin@example.mx", Role.admin),
        supervisor=make_operator("Sofía Supervisora", "sup@example.mx", Role.supervisor),
        operator=make_operator(
            "Óscar Operador", "oper@example.mx", Role.operator, skills=["redes"], is_available=False
        ),
        operator2=make_operator(
            "Olga Operadora",
            "oper2@example.mx",
            Role.operator,
            skills=["hardware"],
            is_available=False,
        ),
    )


@pytest.fixture
def admin_h(staff: Staff) -> dict[str, str]:
    return auth_header(staff.admin)


@pytest.fixture
def sup_h(staff: Staff) -> dict[str, str]:
    return auth_header(staff.supervisor)


@pytest.fixture
def op_h(staff: Staff) -> dict[str, str]:
    return auth_header(staff.operator)


def assert_problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with this status (and names `field`)."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers
    body = resp.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, body
    assert body["status"] == status
    if field is not None:
        fields = [e.get("field") for e in body.get("errors") or []] + [body.get("field")]
        assert field in fields or field in body["detail"], body
    return body
