"""Shared fixtures for the Watson endpoint tests (imported by the test_watson_* modules)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Backend, make_operator, make_settings
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import Client, Role
from uanl.watson import sessions

KEY = "wk-test-" + "x" * 24
# Tuesday 2026-12-01 10:00 in Monterrey (UTC-6): tomorrow 10:00 is a working hour.
FIXED_NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def watson_settings(backend: Backend, **extra: Any) -> Settings:
    values: dict[str, Any] = {"WATSON_API_KEY": KEY, "PUBLIC_BASE_URL": "https://desk.example.mx"}
    values.update(extra)
    return make_settings(backend.url, backend.settings.uanl_data_dir, **values)


@pytest.fixture
def wsettings(app: Any, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with WATSON_API_KEY, the clock pinned, caches empty."""
    settings = watson_settings(backend)
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: settings)
    monkeypatch.setattr("uanl.watson.conversation.now", lambda: FIXED_NOW)
    sessions.clear_client_cache()
    yield settings
    sessions.clear_client_cache()


@pytest.fixture
def world(wsettings: Settings, staff: Any) -> dict[str, int]:
    """Two clients (one with an e-mail and address) and an available technician."""
    tech = make_operator(
        "Tomás Técnico", "tech@example.mx", Role.operator, skills=["redes"], is_available=True
    )
    with dbmod.session_scope() as db:
        oxxo = Client(
            name="Oxxo",
            email="soporte@oxxo.mx",
            address="Av. Constitución 100, Monterrey",
        )
        vitro = Client(name="Vitro", email="ti@vitro.mx", address="Av. Ricardo Margain 400")
        db.add_all([oxxo, vitro])
        db.flush()
        ids = {"oxxo": oxxo.id, "vitro": vitro.id, "tech": tech.id}
    return ids


def key_headers(**extra: str) -> dict[str, str]:
    return {"X-API-Key": KEY, **extra}
