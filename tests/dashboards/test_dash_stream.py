"""Server-Sent Events: live within 1 s, replay after Last-Event-ID, Redis fan-out."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import auth_header, make_settings
from tests.servers import serve_app
from uanl.core.security import create_access_token
from uanl.dashboards import stream as stream_mod
from uanl.dashboards.broker import id_key

REDIS_URL = "redis://127.0.0.1:6379/14"
STREAM = "/api/v1/dashboards/stream"


def sse(resp: httpx.Response) -> Iterator[dict[str, Any]]:
    """Parse an event stream: yields events ({id, event, data}) and comments ({comment})."""
    fields: dict[str, Any] = {}
    for line in resp.iter_lines():
        if line == "":
            if fields:
                yield fields
            fields = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value


def next_event(events: Iterator[dict[str, Any]], kind: str) -> dict[str, Any]:
    for item in events:
        if item.get("event") == kind:
            return item
    raise AssertionError(f"stream ended before {kind}")


def token_for(who: Any) -> str:
    return create_access_token(who.id, who.role.value).token


def open_stream(http: httpx.Client, base: str, token: str, last_id: str | None = None) -> Any:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    return http.stream(
        "GET", f"{base}{STREAM}", params={"access_token": token}, headers=headers, timeout=5
    )


def create_ticket(base: str, headers: dict[str, str], title: str) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1/tickets", json={"title": title}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_stream_needs_a_valid_token(client, staff):
    assert client.get(STREAM).status_code == 401
    assert client.get(STREAM, params={"access_token": "not-a-jwt"}).status_code == 401


def test_live_event_within_1s_then_replay_after_last_event_id(app, staff, op_h):
    token = token_for(staff.operator)
    with serve_app(app) as base, httpx.Client() as http:
        with open_stream(http, base, token) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            events = sse(resp)
            assert next(events) == {"comment": "connected"}
            ticket = create_ticket(base, op_h, "Sin internet en la oficina")
            posted = time.monotonic()
            event = next_event(events, "ticket.created")
            assert time.monotonic() - posted < 1.0
            assert f'"id":{ticket["id"]}' in event["data"]
            last_id = event["id"]
        # While disconnected: two more tickets.
        missed = [create_ticket(base, op_h, f"Perdido {i}")["id"] for i in range(2)]
        with open_stream(http, base, token, last_id) as resp:
            events = sse(resp)
            got = [next_event(events, "ticket.created") for _ in missed]
            assert [e["data"].count(f'"id":{i},') for e, i in zip(got, missed, strict=True)] == [
                1,
                1,
            ]
            assert all(id_key(e["id"]) > id_key(last_id) for e in got)  # type: ignore[operator]


def test_keep_alive_comment(app, staff, monkeypatch):
    monkeypatch.setattr(stream_mod, "KEEPALIVE_S", 0.2)
    with serve_app(app) as base, httpx.Client() as http:
        with open_stream(http, base, token_for(staff.operator)) as resp:
            events = sse(resp)
            assert any(e.get("comment") == "keep-alive" for e in itertools.islice(events, 5))


@pytest.fixture
def redis_settings(backend, settings, monkeypatch, tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    shared = make_settings(backend.url, tmp_path, REDIS_URL=REDIS_URL)
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: shared)
    yield shared
    client.flushdb()


def test_redis_fan_out_between_two_app_instances(app, staff, op_h, redis_settings):
    from uanl.app import create_app

    one = create_app(redis_settings, configure_logging=False)
    two = create_app(redis_settings, configure_logging=False)
    token = token_for(staff.supervisor)
    with serve_app(one) as base_one, serve_app(two) as base_two, httpx.Client() as http:
        with open_stream(http, base_two, token) as resp:
            events = sse(resp)
            next(events)  # connected: the subscription is in place
            ticket = create_ticket(base_one, op_h, "Creado en la instancia uno")
            posted = time.monotonic()
            event = next_event(events, "ticket.created")
            assert time.monotonic() - posted < 1.0
            assert f'"id":{ticket["id"]},' in event["data"]
            assert "-" in event["id"]  # a Redis stream id
            last_id = event["id"]
        missed = create_ticket(base_two, op_h, "Mientras tanto")["id"]
        with open_stream(http, base_one, token, last_id) as resp:
            event = next_event(sse(resp), "ticket.created")
            assert f'"id":{missed},' in event["data"]
    assert redis.Redis.from_url(REDIS_URL).xlen("uanl:events:stream") >= 2


def test_auth_header_also_accepted(app, staff):
    with serve_app(app) as base, httpx.Client() as http:
        with http.stream(
            "GET", f"{base}{STREAM}", headers=auth_header(staff.admin), timeout=5
        ) as resp:
            assert resp.status_code == 200
