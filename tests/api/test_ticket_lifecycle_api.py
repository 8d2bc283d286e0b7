"""GET /api/v1/tickets/lifecycle: the state machine of tickets/lifecycle.py, which the console
reads instead of keeping a copy; what it states is what PATCH /tickets/{id} accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.core.config import Settings
from uanl.models import Ticket, TicketState, utcnow

T = "/api/v1/tickets/"
URL = "/api/v1/tickets/lifecycle"
STATES = ["new", "open", "in_progress", "waiting", "resolved", "closed", "cancelled"]


def test_lifecycle_states_transitions_and_reopen_window(
    client, staff, op_h, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    resp = client.get(URL, headers=op_h)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "states": STATES,
        "final_states": ["closed", "cancelled"],
        "transitions": {
            "new": ["open", "in_progress", "waiting", "resolved", "cancelled"],
            "open": ["in_progress", "waiting", "resolved", "cancelled"],
            "in_progress": ["waiting", "resolved", "cancelled", "open"],
            "waiting": ["in_progress", "open", "resolved", "cancelled"],
            "resolved": ["closed"],
            "closed": [],
            "cancelled": [],
        },
        "reopen_transitions": {"resolved": ["open"]},
        "reopen_window_hours": settings.ticket_reopen_window_hours,
    }
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 48)
    assert client.get(URL, headers=op_h).json()["reopen_window_hours"] == 48


def test_lifecycle_needs_a_token_and_leaves_ticket_paths_alone(client, staff, op_h):
    assert_problem(client.get(URL), 401)
    created = client.post(T, json={"title": "Sin red"}, headers=op_h).json()
    assert client.get(f"{T}{created['id']}", headers=op_h).json()["title"] == "Sin red"


def _put_in_state(ticket_id: int, state: str, resolved_hours_ago: float | None) -> None:
    resolved_at = (
        None if resolved_hours_ago is None else utcnow() - timedelta(hours=resolved_hours_ago)
    )
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(state=TicketState(state), resolved_at=resolved_at)
        )


@pytest.mark.parametrize("reopen", ["inside", "past"], ids=["inside-window", "past-window"])
def test_patch_accepts_exactly_what_the_lifecycle_states(
    client, staff, sup_h, settings: Settings, monkeypatch: pytest.MonkeyPatch, reopen: str
):
    monkeypatch.setattr(settings, "ticket_reopen_window_hours", 48)
    body = client.get(URL, headers=sup_h).json()
    hours_ago = 47 if reopen == "inside" else 49
    ticket_id = client.post(T, json={"title": "Recorrido"}, headers=sup_h).json()["id"]
    for source in body["states"]:
        resolved = hours_ago if source in ("resolved", "closed") else None
        allowed = list(body["transitions"][source])
        if reopen == "inside":
            allowed += body["reopen_transitions"].get(source, [])
        for target in body["states"]:
            if target == source:
                continue  # a PATCH to the same state changes nothing (200)
            _put_in_state(ticket_id, source, resolved)
            resp = client.patch(f"{T}{ticket_id}", json={"state": target}, headers=sup_h)
            if target in allowed:
                assert resp.status_code == 200, (source, target, resp.text)
            else:
                problem = assert_problem(resp, 409)
                assert sorted(problem["allowed"]) == sorted(allowed), (source, target)
