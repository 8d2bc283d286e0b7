"""Saved inbox views (/api/v1/views): each operator's own named filters, on both backends."""

from __future__ import annotations

from tests.conftest import assert_problem, auth_header

URL = "/api/v1/views/"
FILTERS = {
    "view": "all",
    "state": ["open", "in_progress"],
    "priority": ["urgent", "high"],
    "q": "impresora",
    "sort": "-priority,created_at",
}


def test_save_list_and_delete_my_views(client, op_h):
    assert client.get(URL, headers=op_h).json() == []
    made = client.post(URL, json={"name": "  Urgentes  ", "filters": FILTERS}, headers=op_h)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["name"] == "Urgentes"
    assert body["filters"]["state"] == ["open", "in_progress"]
    assert body["filters"]["sort"] == "-priority,created_at"
    second = client.post(
        URL, json={"name": "abiertos", "filters": {"state": ["open-states"]}}, headers=op_h
    )
    assert second.status_code == 201, second.text
    # Sorted by name, case-insensitively.
    listed = client.get("/api/v1/views", headers=op_h).json()
    assert [v["name"] for v in listed] == ["abiertos", "Urgentes"]
    assert listed[0]["filters"]["state"] == ["open-states"]
    assert listed[0]["filters"]["view"] is None

    gone = client.delete(f"{URL}{body['id']}", headers=op_h)
    assert gone.status_code == 204
    assert [v["name"] for v in client.get(URL, headers=op_h).json()] == ["abiertos"]
    assert_problem(client.delete(f"{URL}{body['id']}", headers=op_h), 404)


def test_views_belong_to_their_operator(client, staff, op_h, admin_h):
    mine = client.post(URL, json={"name": "Mi cola", "filters": {"view": "mine"}}, headers=op_h)
    assert mine.status_code == 201
    # The same name is free for someone else; their list does not show mine.
    other = auth_header(staff.operator2)
    assert (
        client.post(URL, json={"name": "Mi cola", "filters": {}}, headers=other).status_code == 201
    )
    assert [v["name"] for v in client.get(URL, headers=admin_h).json()] == []
    assert len(client.get(URL, headers=other).json()) == 1
    # Someone else's view is not found, not merely forbidden, even for an admin.
    assert_problem(client.delete(f"{URL}{mine.json()['id']}", headers=other), 404)
    assert_problem(client.delete(f"{URL}{mine.json()['id']}", headers=admin_h), 404)
    assert len(client.get(URL, headers=op_h).json()) == 1


def test_duplicate_name_is_409_naming_the_field(client, op_h):
    assert client.post(URL, json={"name": "Hoy", "filters": {}}, headers=op_h).status_code == 201
    dup = client.post(URL, json={"name": "HOY", "filters": {"q": "x"}}, headers=op_h)
    assert_problem(dup, 409, "name")
    assert len(client.get(URL, headers=op_h).json()) == 1


def test_bad_input_is_422_naming_the_field(client, op_h):
    assert_problem(client.post(URL, json={"name": "", "filters": {}}, headers=op_h), 422, "name")
    assert_problem(
        client.post(URL, json={"name": "x" * 81, "filters": {}}, headers=op_h), 422, "name"
    )
    assert_problem(client.post(URL, json={"filters": {}}, headers=op_h), 422, "name")
    bad_state = {"name": "x", "filters": {"state": ["abierto"]}}
    assert_problem(client.post(URL, json=bad_state, headers=op_h), 422, "filters.state.0")
    bad_sort = {"name": "x", "filters": {"sort": "-password"}}
    assert_problem(client.post(URL, json=bad_sort, headers=op_h), 422, "filters.sort")
    unknown = {"name": "x", "filters": {"assignee": 3}}
    assert_problem(client.post(URL, json=unknown, headers=op_h), 422, "filters.assignee")
    assert_problem(
        client.post(URL, json={"name": "x\u0000", "filters": {}}, headers=op_h), 422, "name"
    )
    assert_problem(client.delete(f"{URL}0", headers=op_h), 422)
    assert client.get(URL, headers=op_h).json() == []


def test_views_need_a_signed_in_operator(client):
    assert_problem(client.get(URL), 401)
    assert_problem(client.post(URL, json={"name": "x", "filters": {}}), 401)
