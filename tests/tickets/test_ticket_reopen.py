"""Reopening through the API: inside TICKET_REOPEN_WINDOW_HOURS it works and is recorded;
past it, 409 with the states still allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import Ticket, utcnow

T = "/api/v1/tickets/"


def _resolved_ticket(client, headers) -> dict:
    t = client.post(T, json={"title": "No imprime"}, headers=headers).json()
    client.patch(f"{T}{t['id']}", json={"state": "in_progress"}, headers=headers)
    resolved = client.patch(f"{T}{t['id']}", json={"state": "resolved"}, headers=headers)
    assert resolved.status_code == 200, resolved.text
    return resolved.json()


def _resolved_ago(ticket_id: int, hours: float) -> None:
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(resolved_at=utcnow() - timedelta(hours=hours))
        )


def test_reopen_within_the_window_records_instant_count_and_history(
    client, staff, sup_h, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 48)
    t = _resolved_ticket(client, sup_h)
    _resolved_ago(t["id"], 47)
    r = client.patch(f"{T}{t['id']}", json={"state": "open"}, headers=sup_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "open" and body["resolved_at"] is None
    assert body["reopened_at"] is not None and body["reopen_count"] == 1
    last = client.get(f"{T}{t['id']}/history", headers=sup_h).json()[-1]
    assert last["changes"]["state"] == ["resolved", "open"]
    assert last["actor_id"] == staff.supervisor.id
    # Resolving and reopening again counts again.
    client.patch(f"{T}{t['id']}", json={"state": "resolved"}, headers=sup_h)
    again = client.patch(f"{T}{t['id']}", json={"state": "open"}, headers=sup_h).json()
    assert again["reopen_count"] == 2


def test_reopen_after_the_configured_window_is_409_with_allowed_states(
    client, staff, sup_h, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 48)
    t = _resolved_ticket(client, sup_h)
    _resolved_ago(t["id"], 49)
    body = assert_problem(client.patch(f"{T}{t['id']}", json={"state": "open"}, headers=sup_h), 409)
    assert body["allowed"] == ["closed"]
    after = client.get(f"{T}{t['id']}", headers=sup_h).json()
    assert after["state"] == "resolved" and after["reopen_count"] == 0
    # A wider window (the setting, not a constant) lets the same ticket reopen.
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 72)
    assert client.patch(f"{T}{t['id']}", json={"state": "open"}, headers=sup_h).status_code == 200
