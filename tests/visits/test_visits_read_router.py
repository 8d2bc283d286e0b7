"""GET /visits/lifecycle and GET /visits/operators/{id}/calendar-token (the console's reads)."""

from __future__ import annotations

from tests.conftest import assert_problem, auth_header

V = "/api/v1/visits/"


def test_lifecycle_states_the_service_transitions(client, op_h):
    resp = client.get(f"{V}lifecycle", headers=op_h)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["states"] == [
        "scheduled",
        "confirmed",
        "in_progress",
        "done",
        "cancelled",
        "no_show",
    ]
    assert body["transitions"]["scheduled"] == ["confirmed", "in_progress", "cancelled", "no_show"]
    assert body["transitions"]["in_progress"] == ["done"]
    assert sorted(body["final_states"]) == ["cancelled", "done", "no_show"]
    assert body["reschedulable"] == ["scheduled", "confirmed"]
    assert_problem(client.get(f"{V}lifecycle"), 401)


def test_reading_the_link_does_not_rotate_it(client, staff, op_h, admin_h, sup_h):
    url = f"{V}operators/{staff.operator.id}/calendar-token"
    missing = assert_problem(client.get(url, headers=op_h), 404)
    assert "no calendar link yet" in missing["detail"]
    issued = client.post(url, headers=op_h).json()
    read = client.get(url, headers=op_h)
    assert read.status_code == 200, read.text
    assert read.json() == issued
    assert client.get(url, headers=admin_h).json()["token"] == issued["token"]
    feed = f"{V}operators/{staff.operator.id}/calendar.ics"
    assert client.get(feed, params={"token": issued["token"]}).status_code == 200


def test_only_the_operator_or_an_admin_reads_the_link(client, staff, op_h, sup_h):
    url = f"{V}operators/{staff.operator.id}/calendar-token"
    client.post(url, headers=op_h)
    body = assert_problem(client.get(url, headers=sup_h), 403)
    assert "token" not in body
    assert_problem(client.get(url, headers=auth_header(staff.operator2)), 403)
    assert_problem(client.get(f"{V}operators/999999/calendar-token", headers=op_h), 404)
    assert_problem(client.get(f"{V}operators/0/calendar-token", headers=op_h), 422, "operator_id")
