"""Health keeps one pooled Redis client per process: it must report an outage quickly and
see Redis again when it returns, without a restart of the API."""

from __future__ import annotations

import time

from tests.faults.procs import RedisServer
from uanl.health.router import _check, _clients, _redis_ping


def test_pooled_redis_probe_reports_down_then_recovers(redis_server: RedisServer) -> None:
    url = redis_server.url
    assert _check(lambda: _redis_ping(url))["status"] == "ok"
    client = _clients[url]
    assert _check(lambda: _redis_ping(url))["status"] == "ok"
    assert _clients[url] is client  # no new client (nor TCP connection) per probe

    redis_server.stop()
    began = time.monotonic()
    down = _check(lambda: _redis_ping(url))
    assert down["status"] == "down" and down["error"] in ("ConnectionError", "TimeoutError")
    assert time.monotonic() - began < 10  # socket timeouts of 1 s, a few retries at most

    redis_server.start()  # same port
    assert _check(lambda: _redis_ping(url))["status"] == "ok"
    assert _clients[url] is client
