"""Overload tells the truth (issue 12): a process out of database connections answers
503 "busy" with Retry-After, at once or after a bounded wait, and keeps "database
unavailable" for a database that is down (tests/api/test_db_unavailable.py). /health
answers while every slot is taken, from a probe cached for a second.

The requests are held inside the database by a lock the test takes on its own connection
(PostgreSQL: LOCK TABLE tickets; SQLite: the write lock), on a real uvicorn server.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import (
    Backend,
    assert_problem,
    ensure_pg_database,
    make_settings,
    pg_url_for_worker,
)
from tests.servers import serve_app
from uanl.app import create_app
from uanl.core import db as dbmod
from uanl.models import Ticket

BUSY_TYPE = "https://uanl-service-desk.dev/problems/server-busy"


@pytest.fixture
def tight(app: Any, backend: Backend, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """An app (tables emptied by `app`) whose database limits are the ones given."""

    def build(**limits: Any) -> Any:
        values = {k.upper(): str(v) for k, v in limits.items()}
        return create_app(make_settings(backend.url, tmp_path, **values), configure_logging=False)

    yield build
    dbmod.configure(backend.settings)


def _tickets() -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(Ticket)) or 0)


@contextmanager
def tickets_locked(backend: Backend) -> Iterator[None]:
    """Creates block inside the database (holding their connection) until the block ends."""
    if backend.name == "postgres":
        url = make_url(backend.url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            conn.execute("LOCK TABLE uanl.tickets IN SHARE ROW EXCLUSIVE MODE")
            yield
            conn.rollback()
    else:
        conn = sqlite3.connect(make_url(backend.url).database, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
            conn.execute("ROLLBACK")
        finally:
            conn.close()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


def _create(base: str, headers: dict[str, str], n: int) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/tickets", json={"title": f"Carga {n}"}, headers=headers, timeout=60
    )


def assert_busy(resp: httpx.Response) -> None:
    body = assert_problem(resp, 503)
    assert body["type"] == BUSY_TYPE, body
    assert "busy" in body["detail"] and "unavailable" not in body["detail"], body
    assert resp.headers["retry-after"] == "2"


def test_exhausted_pool_is_busy_not_database_unavailable(
    tight: Callable[..., Any], admin_h: dict[str, str]
) -> None:
    app = tight(db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3)
    with serve_app(app) as base:
        held = dbmod.get_engine().connect()  # the pool's only connection
        try:
            assert_busy(_create(base, admin_h, 0))
        finally:
            held.close()
        assert _create(base, admin_h, 1).status_code == 201
    assert _tickets() == 1  # the busy request saved nothing


def test_full_queue_is_refused_at_once_and_queued_requests_complete(
    tight: Callable[..., Any], backend: Backend, admin_h: dict[str, str]
) -> None:
    app = tight(max_inflight=2, max_queued=1, queue_timeout_s=60)
    with serve_app(app) as base, ThreadPoolExecutor(8) as pool:
        admission = dbmod.admission()
        with tickets_locked(backend):
            held: list[Future[httpx.Response]] = [
                pool.submit(_create, base, admin_h, n) for n in range(3)
            ]
            _wait_for(
                lambda: admission.stats()["in_flight"] == 2 and admission.stats()["waiting"] == 1,
                "two requests in flight and one queued",
            )
            # While the lock is held: more creates are refused without waiting, and /health
            # answers (it takes no slot and no pooled connection).
            refused = [pool.submit(_create, base, admin_h, n) for n in (3, 4)]
            for future in refused:
                assert_busy(future.result(timeout=15))
            health = pool.submit(httpx.get, f"{base}/api/v1/health", timeout=15)
            resp = health.result(timeout=15)
            assert resp.status_code == 200
            body = resp.json()
            assert body["status"] == "busy", body
            assert body["load"]["admission"]["in_flight"] == 2
            assert body["load"]["admission"]["waiting"] == 1
            assert body["load"]["admission"]["rejected"] == 2
            assert all(not f.done() for f in held)  # still waiting for the lock
        assert [f.result(timeout=30).status_code for f in held] == [201, 201, 201]
    assert _tickets() == 3


def test_a_request_waits_for_a_slot_at_most_queue_timeout(
    tight: Callable[..., Any], backend: Backend, admin_h: dict[str, str]
) -> None:
    app = tight(max_inflight=1, max_queued=10, queue_timeout_s=0.2)
    with serve_app(app) as base, ThreadPoolExecutor(4) as pool:
        admission = dbmod.admission()
        with tickets_locked(backend):
            first = pool.submit(_create, base, admin_h, 0)
            _wait_for(lambda: admission.stats()["in_flight"] == 1, "one request in flight")
            queued = pool.submit(_create, base, admin_h, 1)
            assert_busy(queued.result(timeout=15))  # gave up waiting while the lock is held
            assert not first.done()
        assert first.result(timeout=30).status_code == 201
    assert _tickets() == 1


def test_health_answers_from_a_cached_probe(
    tight: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One second in production; long enough here that a slow machine cannot expire it.
    monkeypatch.setattr("uanl.health.router.PROBE_CACHE_SECONDS", 600.0, raising=False)
    app = tight()
    with serve_app(app) as base:
        # serve_app waited for /health, so the probe is recent: the next answers reuse it.
        first = httpx.get(f"{base}/api/v1/health", timeout=10).json()
        again = httpx.get(f"{base}/api/v1/health", timeout=10).json()
    assert first["status"] == again["status"] == "ok"
    assert again["probe_age_ms"] >= first["probe_age_ms"] > 0
    assert again["checks"]["database"]["latency_ms"] == first["checks"]["database"]["latency_ms"]
    assert first["load"]["pool"]["size"] == 15  # DB_POOL_SIZE 10 + DB_MAX_OVERFLOW 5


NO_SLOTS_ROLE = "uanl_test_no_connection_slots"


def test_postgres_out_of_connection_slots_is_busy_not_unavailable(
    client: Any, admin_h: dict[str, str], backend: Backend
) -> None:
    """PostgreSQL refusing a connection for lack of slots (SQLSTATE 53300, here a role
    with CONNECTION LIMIT 0) is overload: the server answered."""
    url = make_url(pg_url_for_worker())
    ensure_pg_database(url.render_as_string(hide_password=False))
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        try:  # roles are cluster-wide: another test process may create it at the same time
            conn.execute(f"CREATE ROLE {NO_SLOTS_ROLE} LOGIN CONNECTION LIMIT 0")
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass
    dbmod.configure(url=url.set(username=NO_SLOTS_ROLE).render_as_string(hide_password=False))
    try:
        resp = client.post("/api/v1/tickets", json={"title": "Sin lugar"}, headers=admin_h)
        assert_busy(resp)
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json()["checks"]["database"]["status"] == "busy"
        assert health.json()["status"] == "busy"
    finally:
        dbmod.configure(backend.settings)
    assert (
        client.post("/api/v1/tickets", json={"title": "Ya hay"}, headers=admin_h).status_code == 201
    )


def test_a_probe_without_a_free_connection_says_busy_not_down(app: Any) -> None:
    from uanl.health.router import database_check

    assert database_check()["status"] == "ok"
    held = dbmod.probe_engine().connect()  # the probe pool's only connection
    try:
        check = database_check()
    finally:
        held.close()
    assert check == {"status": "busy", "error": "TimeoutError"}
    assert database_check()["status"] == "ok"
