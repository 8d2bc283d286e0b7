"""The ticket page offers the next states that GET /api/v1/tickets/lifecycle states (the console
keeps no copy of the lifecycle), reopening only within TICKET_REOPEN_WINDOW_HOURS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.web.conftest import log_in
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import Ticket, utcnow

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _offered(page: Any, count: int) -> list[str]:
    options = page.locator("#ticket-new-state option")
    expect(options).to_have_count(count)
    return options.evaluate_all("els => els.map((e) => e.value)")


def _change_state(page: Any, target: str, badge: str) -> None:
    page.get_by_label("Nuevo estado").select_option(target)
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".badges [data-state]")).to_have_text(badge)


def test_state_choices_follow_the_api_lifecycle_and_reopen_window(
    new_page, base_url, staff, admin_h, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 48)
    api = f"{base_url}/api/v1/tickets"
    lifecycle = httpx.get(f"{api}/lifecycle", headers=admin_h).json()
    created = httpx.post(api, json={"title": "Escáner atascado"}, headers=admin_h)
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]

    page = new_page()
    log_in(page, base_url, staff.admin.email)
    page.goto(f"{base_url}/#/tickets/{ticket_id}")
    expect(page.locator(".badges [data-state]")).to_have_text("Nuevo")
    expected = lifecycle["transitions"]["new"]
    assert _offered(page, len(expected)) == expected

    # Just resolved: closing, and reopening while the window is open.
    _change_state(page, "resolved", "Resuelto")
    expected = lifecycle["transitions"]["resolved"] + lifecycle["reopen_transitions"]["resolved"]
    assert _offered(page, len(expected)) == expected == ["closed", "open"]

    # Resolved 49 hours ago with a 48-hour window: reopening is no longer offered.
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(resolved_at=utcnow() - timedelta(hours=49))
        )
    page.reload()
    expect(page.locator(".badges [data-state]")).to_have_text("Resuelto")
    assert _offered(page, 1) == lifecycle["transitions"]["resolved"] == ["closed"]

    # Closed is final: nothing to offer.
    _change_state(page, "closed", "Cerrado")
    expect(page.locator(".ticket-side")).to_contain_text("Este ticket ya no cambia de estado.")
    expect(page.locator("#ticket-new-state")).to_have_count(0)
