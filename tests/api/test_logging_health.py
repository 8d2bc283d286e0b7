from __future__ import annotations

import json

from fastapi.testclient import TestClient
from loguru import logger

from tests.conftest import make_settings
from uanl.app import create_app
from uanl.core import db as dbmod


def test_request_id_is_echoed_or_generated(client):
    given = client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/api/v1/health").headers["x-request-id"]
    assert len(generated) == 32
    unsafe = client.get("/api/v1/health", headers={"X-Request-ID": "a b\nc"})
    assert unsafe.headers["x-request-id"] != "a b\nc"


def test_one_json_line_per_request_in_production_format(client):
    lines: list[str] = []
    sink = logger.add(lines.append, serialize=True, level="INFO")
    try:
        client.get("/api/v1/health", headers={"X-Request-ID": "req-42"})
    finally:
        logger.remove(sink)
    records = [json.loads(line)["record"] for line in lines]
    access = [r for r in records if r["extra"].get("path") == "/api/v1/health"]
    assert len(access) == 1
    extra = access[0]["extra"]
    assert extra["request_id"] == "req-42" and extra["status"] == 200
    assert extra["method"] == "GET" and extra["latency_ms"] >= 0


def test_health_reports_database(client, backend):
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["backend"] == (
        "sqlite" if backend.name == "sqlite" else "postgresql"
    )


def test_health_is_503_when_database_unreachable(tmp_path, monkeypatch):
    settings = make_settings("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path)
    monkeypatch.setattr("uanl.health.router.get_settings", lambda: settings)
    app = create_app(settings, configure_logging=False)
    try:
        with TestClient(app) as c:
            resp = c.get("/api/v1/health")
        assert resp.status_code == 503
        assert resp.json()["checks"]["database"]["status"] == "down"
    finally:
        dbmod._engine = None  # the next test configures its own engine


def test_unknown_route_and_method_are_problem_json(client, op_h):
    r = client.get("/api/v1/nope", headers=op_h)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")
    r = client.delete("/api/v1/tickets/stats", headers=op_h)
    assert r.status_code in (404, 405)
    assert r.headers["content-type"].startswith("application/problem")


def test_library_loggers_filter_at_the_configured_level():
    """At level 0 uvicorn wraps the app in its per-message trace logger and SQLAlchemy's
    pool logs every checkout: work done on every request only for Loguru to drop it."""
    import logging

    from uvicorn.config import Config
    from uvicorn.middleware.message_logger import MessageLoggerMiddleware

    from uanl.core.logging import setup_logging

    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    try:
        setup_logging(level="WARNING")
        assert not logging.getLogger("sqlalchemy.pool").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.INFO)
        assert logging.getLogger("uanl.anything").isEnabledFor(logging.WARNING)

        async def app(scope, receive, send):  # pragma: no cover - never called
            pass

        config = Config(app, log_config=None)
        config.load()
        assert not isinstance(config.loaded_app, MessageLoggerMiddleware)

        setup_logging(level="TRACE")  # asked for: everything again
        assert logging.getLogger("uanl.anything").isEnabledFor(logging.DEBUG)
    finally:
        setup_logging(level="WARNING")
        root.setLevel(before[0])
        root.handlers = before[1]


def test_a_survey_token_in_the_path_never_reaches_the_access_log(client):
    lines: list[str] = []
    sink = logger.add(lines.append, serialize=True, level="INFO")
    secret = "eyJ0IjoxMjN9.c2VjcmV0LXN1cnZleS10b2tlbg"
    try:
        client.get(f"/api/v1/csat/{secret}")
    finally:
        logger.remove(sink)
    access = [json.loads(line)["record"] for line in lines if "/csat/" in line]
    assert access, lines
    assert all(secret not in json.dumps(record) for record in access)
    assert any(r["extra"].get("path") == "/api/v1/csat/[token]" for r in access), access
