"""Computed dashboard answers, kept for at most `TTL_S` seconds and dropped on every event.

Keys carry a generation number; an event bumps it, so every earlier answer is unreachable at
once (Redis: `INCR uanl:dash:gen`, shared by all API processes; memory: a counter).
Values are the JSON bytes of the answer, ready to send.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from loguru import logger
from sqlalchemy import Engine

TTL_S = 5.0
GENERATION_KEY = "uanl:dash:gen"
_MAX_ENTRIES = 512


def _clock() -> float:
    return time.monotonic()


class MemoryCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gen = 0
        self._items: dict[str, tuple[float, int, bytes]] = {}

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, gen, value = item
            if gen != self._gen or expires <= _clock():
                self._items.pop(key, None)
                return None
            return value

    def set(self, key: str, value: bytes, ttl: float = TTL_S) -> None:
        with self._lock:
            if len(self._items) >= _MAX_ENTRIES:
                self._items.clear()
            self._items[key] = (_clock() + ttl, self._gen, value)

    def invalidate(self) -> None:
        with self._lock:
            self._gen += 1
            self._items.clear()


class RedisCache:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _key(self, key: str) -> str:
        gen = self.client.get(GENERATION_KEY)
        return f"uanl:dash:{int(gen or 0)}:{key}"

    def get(self, key: str) -> bytes | None:
        try:
            value = self.client.get(self._key(key))
        except Exception as exc:  # noqa: BLE001 - a cache outage only costs speed
            logger.warning("dashboard cache read failed: {}", exc)
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float = TTL_S) -> None:
        try:
            self.client.set(self._key(key), value, px=int(ttl * 1000))
        except Exception as exc:  # noqa: BLE001
            logger.warning("dashboard cache write failed: {}", exc)

    def invalidate(self) -> None:
        try:
            self.client.incr(GENERATION_KEY)
        except Exception as exc:  # noqa: BLE001
            logger.warning("dashboard cache invalidation failed: {}", exc)


Cache = MemoryCache | RedisCache
_memory: weakref.WeakKeyDictionary[Engine, MemoryCache] = weakref.WeakKeyDictionary()
_redis: dict[str, RedisCache] = {}
_lock = threading.Lock()


def cache_for(redis_url: str | None, engine: Engine) -> Cache:
    with _lock:
        if redis_url:
            if redis_url not in _redis:
                _redis[redis_url] = RedisCache(redis_url)
            return _redis[redis_url]
        if engine not in _memory:
            _memory[engine] = MemoryCache()
        return _memory[engine]


def cached(cache: Cache, key: str, compute: Callable[[], bytes]) -> bytes:
    """The cached answer for `key`, computing (and storing) it when missing or stale."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
