"""Server-Sent Events: replay what a reconnecting client missed, then stream live events.

EventSource cannot send headers, so `/stream` (and only it) also accepts the access token as
`?access_token=`; it is validated exactly like the bearer token. No database session is held
while the stream is open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from uanl.api.deps import oauth2_scheme, operator_for_token
from uanl.core import db as dbmod
from uanl.dashboards.broker import Event, MemoryBroker, RedisBroker, id_key
from uanl.models import Operator

KEEPALIVE_S = 15.0
RETRY_MS = 2000


def stream_operator(
    header_token: Annotated[str | None, Depends(oauth2_scheme)],
    access_token: Annotated[str | None, Query(description="Token for EventSource")] = None,
) -> Operator:
    """The operator behind the bearer header or the `access_token` query parameter."""
    with dbmod.session_scope() as db:
        operator = operator_for_token(db, header_token or access_token)
        db.expunge(operator)
    return operator


StreamOperator = Annotated[Operator, Depends(stream_operator)]


def format_event(event: Event) -> str:
    return f"id: {event.id}\nevent: {event.kind}\ndata: {event.to_json()}\n\n"


async def event_stream(
    request: Request,
    broker: MemoryBroker | RedisBroker,
    last_event_id: str | None,
    keepalive_s: float | None = None,
) -> AsyncIterator[str]:
    keepalive = KEEPALIVE_S if keepalive_s is None else keepalive_s
    # Subscribe before reading the ring buffer: an event published in between is then in
    # both, and the `seen` set drops the duplicate instead of losing it.
    async with broker.subscribe() as queue:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        floor = id_key(last_event_id)
        seen: set[str] = set()
        if floor is not None:
            for event in await run_in_threadpool(broker.replay, last_event_id):
                seen.add(event.id)
                yield format_event(event)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=keepalive)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            key = id_key(event.id)
            if event.id in seen or (floor is not None and key is not None and key <= floor):
                continue
            yield format_event(event)
