"""The request's unit of work (`get_db`): commit on return, roll back on error, and roll back
and give the connection back even when the request is cancelled (client gone)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from sqlalchemy import func, select

from uanl.core import db as dbmod
from uanl.core.db import get_db
from uanl.models import Client


def _clients(name: str) -> int:
    with dbmod.session_scope() as db:
        return int(db.scalar(select(func.count()).where(Client.name == name)) or 0)


def _drive(action: str, name: str) -> Any:
    async def main() -> Any:
        gen = get_db()
        session = await gen.__anext__()
        session.add(Client(name=name))
        session.flush()
        if action == "return":
            with pytest.raises(StopAsyncIteration):
                await gen.__anext__()
        elif action == "error":
            with pytest.raises(ValueError):
                await gen.athrow(ValueError("bad input"))
        else:
            with anyio.CancelScope() as scope:
                scope.cancel()  # what a client disconnect does to the request's task
                with pytest.raises(asyncio.CancelledError):
                    await gen.athrow(asyncio.CancelledError())
        return session

    # A thread of its own: an earlier test (Playwright's sync API) may leave an event loop
    # running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, main).result()


@pytest.mark.parametrize(("action", "kept"), [("return", 1), ("error", 0), ("cancel", 0)])
def test_request_session_ends_its_transaction(app: Any, action: str, kept: int) -> None:
    name = f"Cliente {action}"
    session = _drive(action, name)
    assert not session.in_transaction()  # rolled back or committed, and closed
    assert _clients(name) == kept
    # The connection went back to the pool: another unit of work can write at once (on
    # SQLite an open transaction would hold the only write lock).
    with dbmod.session_scope() as db:
        db.add(Client(name=f"{name} después"))
    assert _clients(f"{name} después") == 1
