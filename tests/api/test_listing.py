"""The shared list and path-id building blocks (uanl.api.listing, uanl.api.deps.path_row), seen
through the routers that use them: the same parameters, errors and order everywhere."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem

LISTS = [
    "/api/v1/calls",
    "/api/v1/clients",
    "/api/v1/operators",
    "/api/v1/tickets",
    "/api/v1/visits",
    "/api/v1/notifications",
    "/api/v1/sla-policies",
    "/api/v1/business-calendars",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_answers_a_page_and_refuses_a_bad_sort_or_page(client, admin_h, path):
    page = client.get(f"{path}?limit=2&offset=0&sort=id", headers=admin_h)
    assert page.status_code == 200, page.text
    assert set(page.json()) == {"items", "total", "limit", "offset", "total_is_estimate"}
    assert (page.json()["limit"], page.json()["offset"]) == (2, 0)

    body = assert_problem(client.get(f"{path}?sort=nope", headers=admin_h), 422, "sort")
    assert "cannot sort by 'nope'; allowed:" in body["detail"]
    assert_problem(client.get(f"{path}?limit=0", headers=admin_h), 422, "limit")
    assert_problem(client.get(f"{path}?offset=-1", headers=admin_h), 422, "offset")
    assert client.get(f"{path}?sort=nope").status_code == 401


def test_a_bad_sort_is_reported_before_a_bad_range(client, admin_h):
    for path, window in [
        ("/api/v1/tickets", "created_from=2027-02-01T00:00Z&created_to=2027-01-01T00:00Z"),
        ("/api/v1/notifications", "created_from=2027-02-01T00:00Z&created_to=2027-01-01T00:00Z"),
        ("/api/v1/visits", "from=2027-02-01T00:00Z&to=2027-01-01T00:00Z"),
    ]:
        assert_problem(client.get(f"{path}?sort=nope&{window}", headers=admin_h), 422, "sort")
        assert_problem(client.get(f"{path}?{window}", headers=admin_h), 422)


def test_a_sort_list_with_directions(client, admin_h):
    for name in ("Beta", "Alfa", "Gamma"):
        made = client.post("/api/v1/clients/", json={"name": name}, headers=admin_h)
        assert made.status_code == 201, made.text

    def names(sort: str) -> list[str]:
        page = client.get(f"/api/v1/clients?sort={sort}", headers=admin_h).json()
        return [c["name"] for c in page["items"]]

    assert names("name") == ["Alfa", "Beta", "Gamma"]
    assert names("-name") == ["Gamma", "Beta", "Alfa"]
    assert names("-id") == ["Gamma", "Alfa", "Beta"]


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/api/v1/calls/{}", "Call"),
        ("/api/v1/clients/{}", "Client"),
        ("/api/v1/operators/{}", "Operator"),
        ("/api/v1/tickets/{}", "Ticket"),
        ("/api/v1/tickets/{}/sla", "Ticket"),
        ("/api/v1/visits/{}", "Visit"),
        ("/api/v1/sla-policies/{}", "SLA policy"),
        ("/api/v1/business-calendars/{}", "Business calendar"),
    ],
)
def test_a_path_id_is_checked_then_loaded(client, admin_h, path, what):
    missing = assert_problem(client.get(path.format(987654), headers=admin_h), 404)
    assert missing["detail"] == f"{what} 987654 does not exist"
    assert_problem(client.get(path.format(0), headers=admin_h), 422)
    assert_problem(client.get(path.format(2**31), headers=admin_h), 422)
    # Who is calling is known before the id is even read.
    assert client.get(path.format(0)).status_code == 401


def test_a_hidden_notification_is_a_404(client, op_h):
    assert_problem(client.get("/api/v1/notifications/987654", headers=op_h), 404)
    assert_problem(client.get("/api/v1/notifications/0", headers=op_h), 422)
