"""GET /reports/analytics: denormalised rows, cursor paging, incremental pick-up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import Call, CallDirection, CallOutcome, Client, Ticket

URL = "/api/v1/reports/analytics"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _seed(staff) -> list[int]:
    with dbmod.session_scope() as db:
        acme = Client(name="Acme Norte")
        db.add(acme)
        db.flush()
        ids = []
        for i in range(7):
            t = Ticket(title=f"T{i}", client_id=acme.id, assignee_id=staff.operator.id)
            db.add(t)
            db.flush()
            ids.append(t.id)
        db.add(
            Call(
                client_id=acme.id,
                operator_id=staff.operator2.id,
                direction=CallDirection.inbound,
                outcome=CallOutcome.resolved,
                started_at=T0,
                duration_s=42,
            )
        )
    with dbmod.session_scope() as db:
        # Pairs share an updated_at: the id breaks the tie.
        for n, tid in enumerate(ids):
            stamp = T0 + timedelta(minutes=n // 2)
            db.execute(update(Ticket).where(Ticket.id == tid).values(updated_at=stamp))
    return ids


def _all_pages(client, headers, cursor=None, limit=2):
    seen, pages = [], 0
    params = {"entity": "tickets", "limit": limit}
    if cursor:
        params["cursor"] = cursor
    else:
        params["updated_since"] = "2026-01-01T00:00:00Z"
    while True:
        resp = client.get(URL, params=params, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [r["id"] for r in body["items"]]
        pages += 1
        assert resp.headers.get("X-Next-Cursor") == body["next_cursor"]
        if not body["has_more"]:
            return seen, body["next_cursor"], pages
        assert 'rel="next"' in resp.headers["Link"]
        params = {"entity": "tickets", "limit": limit, "cursor": body["next_cursor"]}


def test_cursor_paging_returns_every_row_once_and_picks_up_updates(client, sup_h, staff):
    ids = _seed(staff)
    seen, cursor, pages = _all_pages(client, sup_h)
    assert seen == ids and pages == 4
    # Nothing new: same cursor back, no rows.
    again, cursor2, _ = _all_pages(client, sup_h, cursor)
    assert again == [] and cursor2 == cursor
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ids[1])
            .values(title="cambiado", updated_at=datetime.now(UTC))
        )
    again, _, _ = _all_pages(client, sup_h, cursor)
    assert again == [ids[1]]


def test_rows_are_denormalised(client, sup_h, staff):
    _seed(staff)
    body = client.get(URL, params={"entity": "tickets", "limit": 1}, headers=sup_h).json()
    row = body["items"][0]
    assert row["client_name"] == "Acme Norte"
    assert row["assignee_name"] == staff.operator.name
    calls = client.get(URL, params={"entity": "calls"}, headers=sup_h).json()["items"]
    assert calls[0]["operator_name"] == staff.operator2.name and calls[0]["duration_s"] == 42


def test_csv_and_jsonl(client, sup_h, staff):
    _seed(staff)
    resp = client.get(URL, params={"entity": "tickets", "format": "jsonl"}, headers=sup_h)
    assert resp.status_code == 200, resp.text
    lines = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
    assert len([line for line in lines if "client_name" in line]) == 7
    resp = client.get(URL, params={"entity": "calls", "format": "csv"}, headers=sup_h)
    assert resp.status_code == 200 and "Acme Norte" in resp.text
    assert resp.headers["X-Next-Cursor"]


def test_bad_inputs(client, sup_h, op_h):
    assert_problem(client.get(URL, params={"cursor": "bm9wZQ"}, headers=sup_h), 422, "cursor")
    assert_problem(client.get(URL, params={"limit": 10_001}, headers=sup_h), 422, "limit")
    assert_problem(client.get(URL, params={"entity": "users"}, headers=sup_h), 422, "entity")
    assert_problem(client.get(URL, headers=op_h), 403)


def test_csv_bom_on_request(client, sup_h, staff):
    _seed(staff)
    plain = client.get(URL, params={"format": "csv", "limit": 5}, headers=sup_h)
    with_bom = client.get(URL, params={"format": "csv", "limit": 5, "bom": "true"}, headers=sup_h)
    assert plain.status_code == with_bom.status_code == 200
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content == b"\xef\xbb\xbf" + plain.content
