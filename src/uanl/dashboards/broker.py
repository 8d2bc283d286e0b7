"""Where dashboard events go: an in-memory ring buffer, or Redis shared by every API process.

Both brokers keep the last ~1000 events with increasing ids so a reconnecting client can
replay what it missed (`Last-Event-ID`), and push live events to subscribers.
- Memory (embedded mode, one process): a deque plus one asyncio queue per subscriber.
- Redis: `XADD uanl:events:stream MAXLEN ~1000` (the id is the stream id) and `PUBLISH
  uanl:events`, both in one Lua script so every subscriber sees the ids in stream order.
Subscribers skip ids they already replayed, so the replay/live overlap sends nothing twice.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine

CHANNEL = "uanl:events"
STREAM = "uanl:events:stream"
RING_SIZE = 1000


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    at: str
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        body = json.loads(raw)
        return cls(id=str(body["id"]), kind=body["kind"], at=body["at"], data=body["data"])


def id_key(event_id: str | None) -> tuple[int, int] | None:
    """Sortable form of both id styles: "42" (memory) and "1700000000000-3" (Redis)."""
    if not event_id:
        return None
    head, _, tail = event_id.strip().partition("-")
    try:
        return int(head), int(tail or 0)
    except ValueError:
        return None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Broker(Protocol):
    def publish(self, kind: str, data: dict[str, Any]) -> Event: ...

    def replay(self, after_id: str | None, limit: int = RING_SIZE) -> list[Event]: ...

    def recent(self, n: int) -> list[Event]: ...

    def subscribe(self) -> Any: ...


class MemoryBroker:
    """One process: publishers may be worker threads, subscribers live on an event loop."""

    def __init__(self, size: int = RING_SIZE) -> None:
        self._ring: deque[Event] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]] = set()

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        with self._lock:
            event = Event(str(next(self._ids)), kind, _now_iso(), data)
            self._ring.append(event)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # the subscriber's loop is closed
                with self._lock:
                    self._subscribers.discard((loop, queue))
        return event

    def replay(self, after_id: str | None, limit: int = RING_SIZE) -> list[Event]:
        after = id_key(after_id)
        with self._lock:
            events = list(self._ring)
        if after is not None:
            events = [e for e in events if (id_key(e.id) or (0, 0)) > after]
        return events[-limit:]

    def recent(self, n: int) -> list[Event]:
        with self._lock:
            return list(self._ring)[-n:]

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue[Event]())
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers.discard(entry)


_PUBLISH_LUA = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBroker:
    """Every API process publishes to and subscribes from the same Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self.client.register_script(_PUBLISH_LUA)

    @staticmethod
    def _decode(event_id: Any, body: Any) -> Event:
        raw = json.loads(body)
        return Event(_text(event_id), raw["kind"], raw["at"], raw["data"])

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        at = _now_iso()
        body = json.dumps({"kind": kind, "at": at, "data": data}, default=str)
        event_id = self._script(keys=[STREAM, CHANNEL], args=[RING_SIZE, body])
        return Event(_text(event_id), kind, at, data)

    def replay(self, after_id: str | None, limit: int = RING_SIZE) -> list[Event]:
        key = id_key(after_id)
        start = "-" if key is None else f"({key[0]}-{key[1]}"
        rows: Any = self.client.xrange(STREAM, min=start, max="+", count=limit)
        return [self._decode(i, fields[b"e"]) for i, fields in rows or []]

    def recent(self, n: int) -> list[Event]:
        rows: Any = self.client.xrevrange(STREAM, max="+", min="-", count=n)
        return [self._decode(i, fields[b"e"]) for i, fields in reversed(rows or [])]

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue fed by this connection's own pub/sub subscription."""
        from redis import asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL)
        queue: asyncio.Queue[Event] = asyncio.Queue()

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                event_id, _, body = _text(message["data"]).partition(" ")
                queue.put_nowait(self._decode(event_id, body))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            try:
                await pubsub.unsubscribe(CHANNEL)
                await pubsub.aclose()
                await client.aclose()
            except Exception:  # noqa: BLE001, S110 - closing a dead connection is not an error
                pass


_memory: weakref.WeakKeyDictionary[Engine, MemoryBroker] = weakref.WeakKeyDictionary()
_redis: dict[str, RedisBroker] = {}
_registry_lock = threading.Lock()


def broker_for(redis_url: str | None, engine: Engine) -> MemoryBroker | RedisBroker:
    """The Redis broker for this URL, else the in-memory one of this database engine."""
    with _registry_lock:
        if redis_url:
            if redis_url not in _redis:
                _redis[redis_url] = RedisBroker(redis_url)
            return _redis[redis_url]
        if engine not in _memory:
            _memory[engine] = MemoryBroker()
        return _memory[engine]
