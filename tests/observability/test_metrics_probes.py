"""/metrics, /livez and /readyz on the real app; task metrics from a real Celery worker."""

from __future__ import annotations

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.conftest import assert_problem, make_settings
from tests.notifications.fakes import celery_broker
from tests.workers import running_worker, wait_for
from uanl.app import create_app
from uanl.core import db as dbmod

REDIS_URL = "redis://127.0.0.1:6379/11"
TICKET_ROUTE = "/api/v1/tickets/{ticket_id}"


def scrape(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, frozenset], float]:
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_an_admin_or_the_metrics_token(client, app, admin_h, op_h):
    assert_problem(client.get("/metrics"), 401)
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert_problem(client.get("/metrics", headers=op_h), 403)
    assert client.get("/metrics", headers=admin_h).status_code == 200
    token = "m" * 40
    app.state.settings = app.state.settings.model_copy(update={"metrics_token": token})
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 401
    )


def test_request_latency_by_route_template_and_db_gauges(client, admin_h, op_h):
    before = scrape(client, admin_h)
    for ticket_id in (123456, 654321):
        assert client.get(f"/api/v1/tickets/{ticket_id}", headers=op_h).status_code == 404
    created = client.post("/api/v1/tickets", json={"title": "Impresora"}, headers=op_h).json()
    assert client.get(f"/api/v1/tickets/{created['id']}", headers=op_h).status_code == 200
    client.get("/no/such/page/42")
    with dbmod.session_scope() as db:  # what the SLA sweep does when a deadline passes
        db.execute(text("UPDATE tickets SET sla_status = 'breached'"))
    after = scrape(client, admin_h)

    def moved(route: str, status: str, method: str = "GET") -> float:
        key = "uanl_http_request_duration_seconds_count"
        labels = {"method": method, "route": route, "status": status}
        return value(after, key, **labels) - value(before, key, **labels)

    assert moved(TICKET_ROUTE, "4xx") == 2  # the template, never /tickets/123456
    assert moved(TICKET_ROUTE, "2xx") == 1
    assert moved("/api/v1/tickets", "2xx", "POST") == 1
    assert moved("unmatched", "4xx") == 1
    assert not any("123456" in str(labels) for _, labels in after)
    priority = created["priority"]
    assert value(after, "uanl_sla_breached_open_tickets", priority=priority) == 1
    assert value(after, "uanl_queue_depth", queue="celery") >= 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_task_metrics_queue_depth_and_request_id_in_task_logs(
    client, app, settings, backend, admin_h
):
    """Embedded transport on SQLite, Redis on PostgreSQL; the worker is a real process."""
    redis_url = REDIS_URL if backend.name == "postgres" else None
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
        app.state.settings = settings.model_copy(update={"redis_url": redis_url})
    with celery_broker(settings, redis_url=redis_url):
        before = scrape(client, admin_h)
        resp = client.post(
            "/api/v1/notifications",
            json={"channel": "email", "to_address": "ana@cliente.mx", "body": "Hola"},
            headers={**admin_h, "X-Request-ID": "req-ops-4242"},
        )
        assert resp.status_code == 201, resp.text
        notification_id = resp.json()["id"]
        queued = scrape(client, admin_h)  # no worker yet: the message waits in the broker
        assert value(queued, "uanl_queue_depth", queue="celery") == 1
        assert value(queued, "uanl_notifications_pending", channel="email") == 1

        with running_worker(settings, redis_url=redis_url) as worker:
            wait_for(
                lambda: (
                    client.get(f"/api/v1/notifications/{notification_id}", headers=admin_h).json()[
                        "status"
                    ]
                    == "sent"
                )
            )
            task = {"task": "uanl.notifications.deliver", "state": "SUCCESS"}
            wait_for(
                lambda: (
                    value(scrape(client, admin_h), "uanl_celery_tasks_total", **task)
                    > value(before, "uanl_celery_tasks_total", **task)
                )
            )
            after = scrape(client, admin_h)
            line = wait_for(
                lambda: next(
                    (ln for ln in worker.log().splitlines() if "deliver -> SUCCESS" in ln), None
                )
            )
    assert "req-ops-4242" in line  # the API request's id, in the worker's log line
    duration = "uanl_celery_task_duration_seconds_count"
    deliver = {"task": "uanl.notifications.deliver"}
    assert value(after, duration, **deliver) - value(before, duration, **deliver) >= 1
    sent = "uanl_notification_deliveries_total"
    assert value(after, sent, outcome="sent") - value(before, sent, outcome="sent") == 1
    assert value(after, "uanl_queue_depth", queue="celery") == 0
    assert value(after, "uanl_notifications_pending", channel="email") == 0


def test_livez_and_readyz_are_public(client):
    assert client.get("/livez").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]


@pytest.mark.parametrize(
    "where", ["closed port", "not migrated"], ids=["db-unreachable", "db-behind"]
)
def test_readyz_is_503_while_live_stays_200(tmp_path, where):
    url = (
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
        if where == "closed port"
        else f"sqlite:///{tmp_path / 'empty.db'}"
    )
    app = create_app(make_settings(url, tmp_path), configure_logging=False)
    try:
        with TestClient(app) as c:
            assert c.get("/livez").status_code == 200
            resp = c.get("/readyz")
        assert resp.status_code == 503
        checks = resp.json()["checks"]
        if where == "closed port":
            assert checks["database"]["status"] == "down"
        else:
            assert checks["migrations"]["status"] == "behind"
    finally:
        dbmod._engine = None  # the next test configures its own engine
