"""Fixtures for the notification tests: a real SMTP server, webhook endpoints, a session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.notifications.fakes import HttpRecorder, SmtpServer
from uanl.core import db as dbmod
from uanl.core.config import Settings


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def hooks() -> Iterator[dict[str, HttpRecorder]]:
    servers = {
        "slack": HttpRecorder(200, "ok"),
        "teams": HttpRecorder(200, "1"),
        "twilio": HttpRecorder(
            201, '{"sid": "SM0123456789abcdef", "status": "queued"}', "application/json"
        ),
    }
    yield servers
    for server in servers.values():
        server.close()


@pytest.fixture
def notif_settings(
    settings: Settings,
    app: Any,
    smtp: SmtpServer,
    hooks: dict[str, HttpRecorder],
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The backend's settings plus SMTP, Slack, Teams and Twilio on loopback; 1 s backoff."""
    patched = smtp.settings(
        settings,
        slack_webhook_url=hooks["slack"].url + "/services/T1/B2/XYZ",
        teams_webhook_url=hooks["teams"].url + "/webhookb2/abc",
        twilio_base_url=hooks["twilio"].url,
        twilio_account_sid="AC0123456789abcdef0123456789abcdef",
        twilio_auth_token="token-de-prueba",
        twilio_from="+15005550006",
        notification_backoff_base_s=1.0,
        notification_max_attempts=4,
        public_base_url="https://mesa.example.mx",
    )
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: patched)
    return patched


@pytest.fixture
def db(app: Any) -> Iterator[Session]:
    session = dbmod.session_factory()()
    yield session
    session.close()
