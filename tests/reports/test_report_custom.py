"""POST /reports/custom: whitelist 422s and exact aggregates on a hand-made dataset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Call, CallDirection, CallOutcome
from uanl.reports.custom import percentile

URL = "/api/v1/reports/custom"
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)

# (operator index, direction, outcome, duration_s, wait_s)
CALLS = [
    (0, "inbound", "resolved", 60, 10),
    (0, "inbound", "resolved", 120, 20),
    (0, "outbound", "escalated", 180, None),
    (0, "inbound", "resolved", 240, 40),
    (1, "inbound", "abandoned", 30, 90),
    (1, "outbound", "resolved", 90, 5),
]


@pytest.fixture
def calls(staff):
    ops = [staff.operator.id, staff.operator2.id]
    with dbmod.session_scope() as db:
        for i, (who, direction, outcome, dur, wait) in enumerate(CALLS):
            db.add(
                Call(
                    operator_id=ops[who],
                    direction=CallDirection(direction),
                    outcome=CallOutcome(outcome),
                    started_at=T0 + timedelta(hours=i),
                    duration_s=dur,
                    wait_s=wait,
                    notes=f"nota {i} Router_X%" if i == 1 else None,
                )
            )
    return ops


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([60, 120, 180, 240], 0.5) == 150.0
    assert percentile([60, 120, 180, 240], 0.9) == pytest.approx(222.0)
    assert percentile([5], 0.9) == 5.0
    assert percentile([], 0.5) is None


def test_grouped_aggregates_exact(client, sup_h, calls):
    body = {
        "dataset": "calls",
        "group_by": ["operator_id"],
        "aggregates": [
            {"fn": "count"},
            {"fn": "sum", "column": "duration_s"},
            {"fn": "avg", "column": "duration_s"},
            {"fn": "min", "column": "duration_s"},
            {"fn": "max", "column": "duration_s"},
            {"fn": "p50", "column": "duration_s"},
            {"fn": "p90", "column": "duration_s"},
            {"fn": "count", "column": "wait_s"},
        ],
        "sort": ["-count"],
    }
    resp = client.post(URL, json=body, headers=sup_h)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert [c["key"] for c in data["columns"]] == [
        "operator_id", "count", "sum_duration_s", "avg_duration_s", "min_duration_s",
        "max_duration_s", "p50_duration_s", "p90_duration_s", "count_wait_s",
    ]  # fmt: skip
    first, second = data["rows"]
    assert first == {
        "operator_id": calls[0],
        "count": 4,
        "sum_duration_s": 600,
        "avg_duration_s": 150.0,
        "min_duration_s": 60,
        "max_duration_s": 240,
        "p50_duration_s": 150.0,
        "p90_duration_s": pytest.approx(222.0),
        "count_wait_s": 3,
    }
    assert second["operator_id"] == calls[1]
    assert second["count"] == 2 and second["sum_duration_s"] == 120
    assert second["p50_duration_s"] == 60.0 and second["p90_duration_s"] == pytest.approx(84.0)


def test_filters_sort_limit_and_rows(client, sup_h, calls):
    body = {
        "dataset": "calls",
        "columns": ["id", "outcome", "duration_s"],
        "filters": [
            {"column": "direction", "op": "eq", "value": "inbound"},
            {"column": "duration_s", "op": "between", "value": [50, 250]},
            {"column": "wait_s", "op": "is_null", "value": False},
        ],
        "sort": ["-duration_s"],
        "limit": 2,
    }
    resp = client.post(URL, json=body, headers=sup_h)
    assert resp.status_code == 200, resp.text
    assert [r["duration_s"] for r in resp.json()["rows"]] == [240, 120]
    resp = client.post(
        URL,
        json={
            "dataset": "calls",
            "columns": ["id"],
            "filters": [{"column": "notes", "op": "contains", "value": "router_x%"}],
        },
        headers=sup_h,
    )
    assert resp.json()["row_count"] == 1
    # Period on the dataset's main date column (started_at): [from, to).
    resp = client.post(
        URL,
        json={
            "dataset": "calls",
            "aggregates": [{"fn": "count"}],
            "from": (T0 + timedelta(hours=2)).isoformat(),
            "to": (T0 + timedelta(hours=4)).isoformat(),
        },
        headers=sup_h,
    )
    assert resp.json()["rows"] == [{"count": 2}]


def test_csv_output(client, sup_h, calls):
    resp = client.post(
        URL,
        json={"dataset": "calls", "group_by": ["outcome"], "format": "csv", "sort": ["outcome"]},
        headers=sup_h,
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert "resolved" in resp.text and "abandoned" in resp.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dataset": "payroll"}, "dataset"),
        ({"dataset": "calls", "columns": ["id", "password"]}, "columns.1"),
        ({"dataset": "calls", "filters": [{"column": "x", "op": "eq", "value": 1}]},
         "filters.0.column"),
        ({"dataset": "calls", "filters": [{"column": "id", "op": "like", "value": 1}]},
         "filters.0.op"),
        ({"dataset": "calls", "filters": [{"column": "duration_s", "op": "gt", "value": "10"}]},
         "filters.0.value"),
        ({"dataset": "calls", "filters": [{"column": "outcome", "op": "eq", "value": "nope"}]},
         "filters.0.value"),
        ({"dataset": "calls", "filters": [{"column": "id", "op": "in", "value": [1, "a"]}]},
         "filters.0.value.1"),
        ({"dataset": "calls", "filters": [{"column": "id", "op": "contains", "value": "1"}]},
         "filters.0.op"),
        ({"dataset": "calls", "aggregates": [{"fn": "median", "column": "duration_s"}]},
         "aggregates.0.fn"),
        ({"dataset": "calls", "aggregates": [{"fn": "sum", "column": "notes"}]},
         "aggregates.0.column"),
        ({"dataset": "tickets", "aggregates": [{"fn": "avg", "column": "title"}]},
         "aggregates.0.column"),
        ({"dataset": "calls", "group_by": ["nope"]}, "group_by.0"),
        ({"dataset": "calls", "columns": ["notes"], "group_by": ["outcome"]}, "columns.0"),
        ({"dataset": "calls", "sort": ["-nope"]}, "sort.0"),
        ({"dataset": "calls", "limit": 0}, "limit"),
    ],
)  # fmt: skip
def test_whitelist_422_names_the_field(client, sup_h, body, field):
    assert_problem(client.post(URL, json=body, headers=sup_h), 422, field)


def test_operators_cannot_run_custom_reports(client, op_h):
    assert_problem(client.post(URL, json={"dataset": "calls"}, headers=op_h), 403)


def test_every_dataset_runs(client, sup_h, calls):
    for name in ("tickets", "calls", "visits", "notifications"):
        resp = client.post(URL, json={"dataset": name, "limit": 5}, headers=sup_h)
        assert resp.status_code == 200, (name, resp.text)


def test_accept_header_chooses_the_format_and_bom_is_optional(client, sup_h, calls):
    body = {"dataset": "calls", "group_by": ["outcome"], "sort": ["outcome"]}
    as_csv = client.post(URL, json=body, headers={**sup_h, "Accept": "text/csv"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert not as_csv.content.startswith(b"\xef\xbb\xbf")
    with_bom = client.post(URL, json={**body, "format": "csv", "bom": True}, headers=sup_h)
    assert with_bom.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content[3:] == as_csv.content  # same rows, streamed either way
    # An explicit `format` wins over Accept; an Accept we cannot produce falls back to JSON.
    as_json = client.post(
        URL, json={**body, "format": "json"}, headers=sup_h | {"Accept": "text/csv"}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    other = client.post(URL, json=body, headers={**sup_h, "Accept": "application/pdf"})
    assert other.headers["content-type"].startswith("application/json")
    lines = client.post(URL, json=body, headers={**sup_h, "Accept": "application/x-ndjson"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    assert len(lines.text.strip().splitlines()) == 3  # abandoned, escalated, resolved
