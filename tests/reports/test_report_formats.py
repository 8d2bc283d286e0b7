"""The writers: JSON envelope, CSV (BOM, languages) and XLSX read back and compared."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from uanl.core import db as dbmod
from uanl.models import Call, CallDirection, CallOutcome, Ticket, TicketState
from uanl.reports.formats import MEDIA_TYPES, Column, ReportMeta, stream

XLSX = MEDIA_TYPES["xlsx"]
COLUMNS = [
    Column("day", "Día", "Day", "date"),
    Column("at", "Instante", "Instant", "datetime"),
    Column("name", "Nombre", "Name", "text"),
    Column("n", "Cantidad", "Count", "int"),
    Column("rate", "Tasa", "Rate", "percent"),
    Column("secs", "Duración (s)", "Duration (s)", "duration_s"),
    Column("ok", "Correcto", "OK", "bool"),
]
ROWS = [
    {
        "day": date(2026, 11, 1),
        "at": datetime(2026, 11, 2, 2, 30, tzinfo=UTC),
        "name": 'Óscar, "el rápido"',
        "n": 3,
        "rate": 0.25,
        "secs": 370.5,
        "ok": True,
    },
    {"day": date(2026, 11, 2), "at": None, "name": "Ña", "n": 0, "rate": None, "secs": None},
]
META = ReportMeta("Prueba", "Test", params={"from": "2026-11-01", "group_by": "day"}, name="t")


def body(fmt: Any, **kw: Any) -> bytes:
    return b"".join(stream(iter(ROWS), COLUMNS, fmt, meta=META, **kw))


def test_json_envelope_and_jsonl() -> None:
    doc = json.loads(body("json", extra={"summary": {"n": 3}}))
    assert set(doc) == {"report", "title", "params", "generated_at", "timezone", "summary", "rows"}
    assert doc["report"] == "t" and doc["summary"] == {"n": 3}
    assert doc["generated_at"].endswith("-06:00")
    assert doc["rows"][0]["at"] == "2026-11-01T20:30:00-06:00"  # local time, with offset
    assert doc["rows"][0]["day"] == "2026-11-01" and doc["rows"][1]["secs"] is None
    assert "ok" not in ROWS[1] and doc["rows"][1]["ok"] is None
    lines = body("jsonl").decode().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [3, 0]
    empty = json.loads(b"".join(stream(iter([]), COLUMNS, "json", meta=META)))
    assert empty["rows"] == []


def test_csv_bom_languages_and_quoting() -> None:
    raw = body("csv", bom=True)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["Día", "Instante", "Nombre", "Cantidad", "Tasa", "Duración (s)", "Correcto"]
    assert table[1] == [
        "2026-11-01",
        "2026-11-01T20:30:00-06:00",
        'Óscar, "el rápido"',
        "3",
        "0.25",
        "370.5",
        "true",
    ]
    assert table[2] == ["2026-11-02", "", "Ña", "0", "", "", ""]
    english = body("csv", lang="en").decode()
    assert not english.startswith("\ufeff")
    assert english.splitlines()[0] == "Day,Instant,Name,Count,Rate,Duration (s),OK"


def test_csv_streams_in_chunks() -> None:
    many = ({"n": i, "name": "x"} for i in range(1200))
    chunks = list(stream(many, COLUMNS, "csv", meta=META))
    assert len(chunks) >= 3
    assert len(b"".join(chunks).decode().splitlines()) == 1201


def test_xlsx_typed_cells_header_filter_and_summary(tmp_path: Any) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(body("xlsx", extra={"summary": {"calls": 4, "rate": 0.5}}))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Resumen", "Datos"]
    ws = wb["Datos"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert [c.value for c in ws[1]] == [
        "Día",
        "Instante",
        "Nombre",
        "Cantidad",
        "Tasa",
        "Duración (s)",
        "Correcto",
    ]
    assert ws["A1"].font.bold
    row = [c.value for c in ws[2]]
    assert row[0] == datetime(2026, 11, 1)  # Excel dates have no zone: local wall time
    assert row[1] == datetime(2026, 11, 1, 20, 30)
    assert row[2:] == ['Óscar, "el rápido"', 3, 0.25, 370.5, True]
    assert ws["E2"].number_format == "0.00%" and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["C3"].value == "Ña" and ws["E3"].value is None
    assert ws.column_dimensions["A"].width > 8
    summary = {r[0]: r[1] for r in wb["Resumen"].iter_rows(values_only=True)}
    assert summary["Reporte"] == "Prueba" and summary["Zona horaria"] == "America/Monterrey"
    assert summary["from"] == "2026-11-01" and summary["summary.calls"] == 4


def test_xlsx_english_sheet_names(tmp_path: Any) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(body("xlsx", lang="en"))
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Summary", "Data"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        body("pdf")


# --- through the API: the same numbers in every format ---------------------------------------


def seed_tickets() -> None:
    start = datetime(2026, 11, 2, 16, tzinfo=UTC)
    with dbmod.session_scope() as db:
        for i in range(3):
            created = start + timedelta(days=i)
            db.add(
                Ticket(
                    title=f"T{i}",
                    created_at=created,
                    resolved_at=created + timedelta(hours=i + 1) if i else None,
                    state=TicketState.resolved if i else TicketState.open,
                )
            )
        db.add(
            Call(
                started_at=start,
                duration_s=60,
                outcome=CallOutcome.resolved,
                direction=CallDirection.inbound,
            )
        )


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("report", ["tickets", "calls", "operators"])
def test_csv_and_xlsx_match_json(
    client: Any, staff: Any, sup_h: dict[str, str], report: str, tmp_path: Any
) -> None:
    seed_tickets()
    url = f"/api/v1/reports/{report}?from=2026-11-01&to=2026-11-07"
    doc = client.get(url, headers=sup_h).json()
    keys = list(doc["rows"][0])
    assert doc["rows"] and doc["timezone"] == "America/Monterrey"

    resp = client.get(url + "&format=csv&bom=true&lang=en", headers=sup_h)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="{report}_2026-11-01_2026-11-07.csv"'
    )
    assert resp.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert len(table) == len(doc["rows"]) + 1
    for line, row in zip(table[1:], doc["rows"], strict=True):
        for cell, key in zip(line, keys, strict=True):
            value = row[key]
            if isinstance(value, float):
                assert float(cell) == value
            elif isinstance(value, bool):
                assert cell == str(value).lower()
            else:
                assert cell == as_text(value)

    resp = client.get(url, headers={**sup_h, "Accept": XLSX})
    assert resp.status_code == 200 and resp.headers["content-type"] == XLSX
    assert resp.headers["content-disposition"].endswith(f'{report}_2026-11-01_2026-11-07.xlsx"')
    path = tmp_path / "r.xlsx"
    path.write_bytes(resp.content)
    ws = openpyxl.load_workbook(path)["Datos"]
    sheet = list(ws.iter_rows(values_only=True))
    assert len(sheet) == len(doc["rows"]) + 1
    for values, row in zip(sheet[1:], doc["rows"], strict=True):
        for cell, key in zip(values, keys, strict=True):
            value = row[key]
            if isinstance(cell, datetime):
                assert cell.date().isoformat() == value[:10]
            elif isinstance(value, int | float) and not isinstance(value, bool):
                assert cell == pytest.approx(value)
            else:
                assert cell == value

    # The summary sheet carries the JSON summary's numbers (summary.<key> lines).
    book = openpyxl.load_workbook(path)
    lines = {k: v for k, v in book["Resumen"].iter_rows(values_only=True) if isinstance(k, str)}
    numbers = {
        k: v
        for k, v in doc["summary"].items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    assert numbers, doc["summary"]
    for key, value in numbers.items():
        assert lines[f"summary.{key}"] == pytest.approx(value), key


def test_accept_header_negotiation(client: Any, staff: Any, sup_h: dict[str, str]) -> None:
    url = "/api/v1/reports/calls?from=2026-11-01&to=2026-11-02"
    csv_resp = client.get(url, headers={**sup_h, "Accept": "text/csv;q=0.9, */*"})
    assert csv_resp.headers["content-type"].startswith("text/csv")
    assert csv_resp.content.decode().splitlines()[0].startswith("Periodo,Llamadas")
    assert "content-disposition" in csv_resp.headers
    plain = client.get(url, headers={**sup_h, "Accept": "*/*"})
    assert plain.headers["content-type"].startswith("application/json")
    assert "content-disposition" not in plain.headers
    wins = client.get(url + "&format=json", headers={**sup_h, "Accept": XLSX})
    assert wins.json()["report"] == "calls"
