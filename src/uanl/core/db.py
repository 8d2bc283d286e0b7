"""Engine and session handling: one transaction per request or task.

Models carry no schema. On PostgreSQL every connection's search_path is `uanl`, so the
tables live in that schema; on SQLite there is no schema. This keeps Alembic's batch
operations working on SQLite (see DESIGN.md).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from uanl.core import events
from uanl.core.admission import Admission
from uanl.core.config import Settings, get_settings, normalise_database_url

SCHEMA = "uanl"
# The health probe's own one-connection pool waits this long at most (then: "busy").
PROBE_POOL_TIMEOUT_S = 0.5

_engine: Engine | None = None
_session_factory: sessionmaker[Session] | None = None
_admission: Admission | None = None
_pool_capacity = 0
_probe: tuple[Engine, Engine] | None = None  # (the engine it probes for, its own engine)
_probe_lock = threading.Lock()


READ_ONLY = "uanl_read_only"


def build_engine(
    url: str,
    *,
    echo: bool = False,
    schema: str = SCHEMA,
    pool_size: int = 10,
    max_overflow: int = 5,
    pool_timeout: float = 2.0,
) -> Engine:
    """An engine whose pool keeps `pool_size` + `max_overflow` connections at most and
    waits `pool_timeout` seconds for one (sqlalchemy.exc.TimeoutError: 503 "busy")."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        kwargs["pool_pre_ping"] = True
        kwargs |= pool
    elif parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database not in (None, "", ":memory:"):  # a file: QueuePool, as above
            kwargs |= pool
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(conn: Any) -> None:
    # Every transaction takes SQLite's write lock up front. Embedded mode then serializes
    # transactions across threads and processes (API and worker) instead of failing with
    # "database is locked" when a read snapshot goes stale before its first write.
    # Long read-only work (exports, see read_scope) takes a plain snapshot instead: in WAL
    # mode it then blocks no writer.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off: _sqlite_begin_immediate owns it.
    dbapi_connection.isolation_level = None
    # WAL lets readers outside a transaction proceed; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure(settings: Settings | None = None, *, url: str | None = None) -> Engine:
    """(Re)build the process-wide engine and admission limit; tests call it with their own
    URL."""
    global _engine, _session_factory, _admission, _pool_capacity
    settings = settings or get_settings()
    if _engine is not None:
        _engine.dispose()
    _engine = build_engine(
        url or settings.effective_database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    _session_factory = sessionmaker(bind=_engine, expire_on_commit=False, autoflush=True)
    _pool_capacity = settings.db_pool_size + settings.db_max_overflow
    _admission = Admission(settings.inflight_limit, settings.max_queued, settings.queue_timeout_s)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        configure()
    assert _engine is not None
    return _engine


def admission() -> Admission:
    """This process's limit on requests holding a database session (see core/admission)."""
    if _admission is None:
        configure()
    assert _admission is not None
    return _admission


def session_factory() -> sessionmaker[Session]:
    if _session_factory is None:
        configure()
    assert _session_factory is not None
    return _session_factory


def finish(session: Session, exc: BaseException | None) -> None:
    """End a unit of work: commit and send the tasks it queued (`exc` None), or roll back;
    always close. A failing commit is rolled back and re-raised. Some refusals must still
    record why (a revoked token family, a failed login): `commit_anyway` on the error."""
    try:
        if exc is None:
            try:
                session.commit()
            except BaseException:
                session.rollback()
                raise
            # A unit of work that never touched the database fires no after_commit event.
            events.deliver_unbegun(session)
        elif getattr(exc, "commit_anyway", False):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for tasks and commands: commit on success, roll back on error."""
    session = session_factory()()
    try:
        yield session
    except BaseException as exc:
        finish(session, exc)
        raise
    finish(session, None)


@contextmanager
def read_scope() -> Iterator[Session]:
    """A read-only unit of work (always rolled back) for long reads such as exports."""
    with get_engine().connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        session = Session(bind=conn)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


async def get_db() -> AsyncIterator[Session]:
    """FastAPI dependency (used with scope="function" so the commit precedes the response).

    Async on purpose: opening a Session does no I/O, so only the commit or rollback goes to
    a worker thread. A sync generator dependency costs a thread hop to enter and another to
    leave, on every request.

    The request first takes one of the process's admission slots (503 "busy" with
    Retry-After when none frees up in time), so it never waits in the pool behind requests
    that are themselves waiting for a worker thread."""
    async with admission().slot():
        session = session_factory()()
        try:
            yield session
        except BaseException as exc:
            # Shielded: a request cancelled mid-way (client gone) still rolls back and
            # returns its connection to the pool.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(finish, session, exc)
            raise
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(finish, session, None)


def release_connections_to(url: str) -> None:
    """Close this process's pooled connections (requests' and probe's) when they point at
    `url`: a restore is about to replace that SQLite file under them, and a connection that
    kept its old WAL index mapped could read past the end of the new one (SIGBUS)."""
    target = make_url(url).render_as_string(hide_password=False)
    for engine in (_engine, _probe[1] if _probe else None):
        if engine is not None and engine.url.render_as_string(hide_password=False) == target:
            engine.dispose()


def ping(engine: Engine | None = None) -> None:
    """SELECT 1 in a read-only transaction (on SQLite: no wait for the write lock)."""
    with (engine or get_engine()).connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        conn.execute(text("SELECT 1"))


def probe_engine() -> Engine:
    """A one-connection engine on the same database, for health probes: a probe never
    queues behind the requests' pool (a probe that finds no connection in time is 'busy')."""
    global _probe
    main = get_engine()
    with _probe_lock:  # /health's probe thread and /readyz may ask at the same time
        if _probe is None or _probe[0] is not main:
            if _probe is not None:
                _probe[1].dispose()
            own = build_engine(
                main.url.render_as_string(hide_password=False),
                pool_size=1,
                max_overflow=0,
                pool_timeout=PROBE_POOL_TIMEOUT_S,
            )
            _probe = (main, own)
        return _probe[1]


def pool_usage() -> dict[str, int]:
    """Connections of the requests' pool checked out now, and the most it opens."""
    pool = get_engine().pool
    checkedout = getattr(pool, "checkedout", None)
    in_use = int(checkedout()) if callable(checkedout) else 0
    return {"in_use": in_use, "size": _pool_capacity}
