"""GET /reports/console/jobs: the job list with each job's parameters, for the console."""

from __future__ import annotations

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Report, ReportFormat, ReportStatus
from uanl.reports.jobs import DELIVERY_KEY

URL = "/api/v1/reports/console/jobs"
PARAMS = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "week", "lang": "en"}


def _queue(client, headers, params=PARAMS):
    body = {"report": "tickets", "format": "xlsx", "params": params}
    resp = client.post("/api/v1/reports/jobs", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    return resp.json()["id"]


def test_jobs_come_with_the_parameters_they_were_asked_with(client, staff, sup_h, admin_h):
    mine = _queue(client, sup_h)
    theirs = _queue(client, admin_h, {"period": "last_month", "group_by": "month"})
    body = client.get(URL, headers=sup_h).json()
    assert [j["id"] for j in body["items"]] == [theirs, mine] and body["total"] == 2
    first = body["items"][1]
    assert first["params"] == PARAMS
    assert first["report"] == "tickets" and first["format"] == "xlsx"
    assert first["status"] == "queued" and first["download_url"] is None
    # The same fields as GET /reports/jobs, plus params.
    plain = client.get(f"/api/v1/reports/jobs/{mine}", headers=sup_h).json()
    assert {k: v for k, v in first.items() if k != "params"} == plain
    only_mine = client.get(URL, params={"mine": "true"}, headers=sup_h).json()
    assert [j["id"] for j in only_mine["items"]] == [mine]


def test_internal_keys_stay_hidden_and_done_jobs_link_their_file(client, staff, sup_h):
    job_id = _queue(client, sup_h)
    with dbmod.session_scope() as db:
        report = db.get(Report, job_id)
        report.parameters = {**report.parameters, DELIVERY_KEY: {"email_to": ["x@example.mx"]}}
        report.status = ReportStatus.done
        report.format = ReportFormat.xlsx
    item = client.get(URL, params={"status": "done"}, headers=sup_h).json()["items"][0]
    assert DELIVERY_KEY not in item["params"] and item["params"] == PARAMS
    assert item["download_url"] == f"/api/v1/reports/jobs/{job_id}/download"
    assert client.get(URL, params={"status": "queued"}, headers=sup_h).json()["items"] == []


def test_operators_see_only_their_own_and_bad_input_names_the_field(client, staff, sup_h, op_h):
    _queue(client, sup_h)
    assert client.get(URL, headers=op_h).json()["items"] == []
    assert_problem(client.get(URL), 401)
    assert_problem(client.get(URL, params={"status": "nope"}, headers=sup_h), 422, "status")
    assert_problem(client.get(URL, params={"limit": 0}, headers=sup_h), 422, "limit")
    assert_problem(client.get(URL, params={"mine": "perhaps"}, headers=sup_h), 422, "mine")
