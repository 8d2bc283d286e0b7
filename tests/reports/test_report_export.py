"""GET /reports/export: every matching row as CSV, streamed (COPY on PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.conftest import assert_problem
from uanl.core import db as dbmod
from uanl.models import (
    Call,
    CallDirection,
    CallOutcome,
    Client,
    Ticket,
    TicketPriority,
    TicketState,
)
from uanl.reports import export

URL = "/api/v1/reports/export"
# 18:30 UTC on 3 Nov 2026 is 12:30 in Monterrey (UTC-6, no DST since 2022).
T0 = datetime(2026, 11, 3, 18, 30, 5, tzinfo=UTC)


def _seed(staff) -> None:
    with dbmod.session_scope() as db:
        acme = Client(name='Acme "Norte", S.A.')
        db.add(acme)
        db.flush()
        for i in range(5):
            db.add(
                Ticket(
                    title=f"Falla {i}, con coma",
                    client_id=acme.id,
                    assignee_id=staff.operator.id if i % 2 else None,
                    priority=TicketPriority.urgent if i == 0 else TicketPriority.low,
                    state=TicketState.open if i < 3 else TicketState.resolved,
                    created_at=T0,
                    resolved_at=T0 if i >= 3 else None,
                )
            )
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


def _rows(resp) -> list[list[str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    return list(csv.reader(io.StringIO(resp.text)))


def test_export_streams_every_ticket_with_local_times_and_quoting(client, staff, sup_h):
    _seed(staff)
    rows = _rows(client.get(URL, headers=sup_h))
    head, body = rows[0], rows[1:]
    assert head[:3] == ["ID", "Título", "Estado"]
    assert len(body) == 5
    assert [int(r[0]) for r in body] == sorted(int(r[0]) for r in body)
    col = {name: i for i, name in enumerate(head)}
    first = body[0]
    assert first[col["Título"]] == "Falla 0, con coma"
    assert first[col["Cliente"]] == 'Acme "Norte", S.A.'
    assert first[col["Prioridad"]] == "urgent"
    assert first[col["Creado"]] == "2026-11-03 12:30:05"
    assert first[col["Resuelto"]] == ""
    assert first[col["ID asignado"]] == ""
    assert body[1][col["Asignado a"]] == staff.operator.name

    en = _rows(client.get(URL, params={"lang": "en"}, headers=sup_h))
    assert en[0][:3] == ["ID", "Title", "State"]


def test_export_filters_and_calls(client, staff, sup_h):
    _seed(staff)
    resolved = _rows(client.get(URL, params={"state": "resolved"}, headers=sup_h))
    assert len(resolved) == 1 + 2
    urgent = _rows(client.get(URL, params={"priority": "urgent"}, headers=sup_h))
    assert len(urgent) == 1 + 1
    mine = _rows(client.get(URL, params={"operator_id": staff.operator.id}, headers=sup_h))
    assert len(mine) == 1 + 2
    same_day = {"date_from": "2026-11-03", "date_to": "2026-11-03"}
    assert len(_rows(client.get(URL, params=same_day, headers=sup_h))) == 1 + 5
    before = {"date_from": "2026-11-01", "date_to": "2026-11-02"}
    assert len(_rows(client.get(URL, params=before, headers=sup_h))) == 1
    calls = _rows(client.get(URL, params={"entity": "calls"}, headers=sup_h))
    assert len(calls) == 2
    assert calls[1][calls[0].index("Duración")] == "42"
    assert calls[1][calls[0].index("Inicio")] == "2026-11-03 12:30:05"


def test_export_refuses_bad_filters_and_operators(client, staff, sup_h, op_h):
    r = client.get(URL, params={"date_from": "2026-11-05", "date_to": "2026-11-01"}, headers=sup_h)
    assert_problem(r, 422, "date_from")
    r = client.get(URL, params={"entity": "calls", "state": "open"}, headers=sup_h)
    assert_problem(r, 422, "state")
    r = client.get(URL, params={"priority": "whenever"}, headers=sup_h)
    assert_problem(r, 422, "priority")
    assert client.get(URL, headers=op_h).status_code == 403


def test_copy_and_python_writers_agree(client, staff, backend):
    """PostgreSQL's COPY output is byte-for-byte what the embedded (Python) path writes."""
    _seed(staff)
    for entity in ("tickets", "calls"):
        flt = export.ExportFilter(entity)  # type: ignore[arg-type]
        with dbmod.read_scope() as db:
            py = b"".join(export.csv_chunks(db, flt, use_copy=False))
        if backend.name == "postgres":
            with dbmod.read_scope() as db:
                pg = b"".join(export.csv_chunks(db, flt, use_copy=True))
            assert pg == py
        assert py.count(b"\n") == (6 if entity == "tickets" else 2)


def test_sqlite_export_does_not_block_writers(client, staff, backend):
    """An export's read snapshot (WAL) lets other transactions write meanwhile."""
    _seed(staff)
    with dbmod.read_scope() as db:
        chunks = export.csv_chunks(db, export.ExportFilter("tickets"))
        next(chunks)  # header
        next(chunks)  # the read transaction is open now
        with dbmod.session_scope() as writer:
            writer.add(Client(name="Escrito durante la exportación"))
        list(chunks)
    with dbmod.session_scope() as db:
        assert db.query(Client).count() == 2


def test_export_bom_on_request(client, staff, sup_h):
    _seed(staff)
    plain = client.get(URL, headers=sup_h)
    with_bom = client.get(URL, params={"bom": "true"}, headers=sup_h)
    assert plain.status_code == with_bom.status_code == 200
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content == b"\xef\xbb\xbf" + plain.content


def test_export_ids_beyond_the_database_range_are_422(client, staff, sup_h):
    # Found by the OpenAPI fuzzer: SQLite cannot bind such an integer (was a 500 mid-stream).
    for name in ("client_id", "operator_id"):
        resp = client.get(URL, params={name: 2**63}, headers=sup_h)
        assert resp.status_code == 422, resp.text
        assert name in resp.text
