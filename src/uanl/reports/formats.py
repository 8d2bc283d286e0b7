"""Streaming writers for report rows: JSON, JSON Lines, CSV and XLSX (interface).

Every report produces `columns` (what each field is) and an iterator of row dicts; these
writers turn them into bytes chunks without holding all rows in memory.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import xlsxwriter

from uanl.reports.csv_safety import neutralise, row_writer

Kind = Literal["text", "int", "float", "percent", "datetime", "date", "duration_s", "bool"]
Format = Literal["json", "jsonl", "csv", "xlsx"]

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    key: str
    header_es: str
    header_en: str
    kind: Kind = "text"


@dataclass
class ReportMeta:
    """What the summary sheet / JSON envelope says about the report."""

    title_es: str
    title_en: str
    params: dict[str, Any] = field(default_factory=dict)
    timezone: str = "America/Monterrey"
    # Additions with defaults (existing callers unaffected): the envelope's `report` name
    # and the instant the numbers were computed.
    name: str = "report"
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


_FLUSH_ROWS = 500


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def _json_value(value: Any, kind: Kind, tz: ZoneInfo) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _local(value, tz).isoformat() if kind != "date" else _local(value, tz).date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    return str(value)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_json_default).encode()


def _tz(meta: ReportMeta) -> ZoneInfo:
    return ZoneInfo(meta.timezone)


def _row_json(row: dict[str, Any], columns: list[Column], tz: ZoneInfo) -> dict[str, Any]:
    return {c.key: _json_value(row.get(c.key), c.kind, tz) for c in columns}


def _stream_json(
    rows: Iterable[dict[str, Any]],
    columns: list[Column],
    meta: ReportMeta,
    extra: dict[str, Any] | None,
) -> Iterator[bytes]:
    tz = _tz(meta)
    head: dict[str, Any] = {
        "report": meta.name,
        "title": meta.title_es,
        "params": meta.params,
        "generated_at": meta.generated_at.astimezone(tz).isoformat(),
        "timezone": meta.timezone,
    }
    head.update(extra or {})
    opening = _dumps(head)[:-1]  # drop the closing brace; rows follow
    yield opening + b', "rows": ['
    buf: list[bytes] = []
    first = True
    for row in rows:
        buf.append((b"" if first else b",") + _dumps(_row_json(row, columns, tz)))
        first = False
        if len(buf) >= _FLUSH_ROWS:
            yield b"".join(buf)
            buf.clear()
    buf.append(b"]}")
    yield b"".join(buf)


def _stream_jsonl(
    rows: Iterable[dict[str, Any]], columns: list[Column], meta: ReportMeta
) -> Iterator[bytes]:
    tz = _tz(meta)
    buf: list[bytes] = []
    for row in rows:
        buf.append(_dumps(_row_json(row, columns, tz)) + b"\n")
        if len(buf) >= _FLUSH_ROWS:
            yield b"".join(buf)
            buf.clear()
    if buf:
        yield b"".join(buf)


def _csv_value(value: Any, kind: Kind, tz: ZoneInfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        local = _local(value, tz)
        return local.date().isoformat() if kind == "date" else local.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def header(column: Column, lang: str) -> str:
    return column.header_es if lang == "es" else column.header_en


def _stream_csv(
    rows: Iterable[dict[str, Any]],
    columns: list[Column],
    meta: ReportMeta,
    lang: str,
    bom: bool,
) -> Iterator[bytes]:
    tz = _tz(meta)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([header(c, lang) for c in columns])
    writer = row_writer(out, "\r\n")  # text quoted and neutralised (csv_safety), numbers bare
    count = 0
    prefix = "\ufeff" if bom else ""
    for row in rows:
        writer.writerow([neutralise(_csv_value(row.get(c.key), c.kind, tz)) for c in columns])
        count += 1
        if count % _FLUSH_ROWS == 0:
            yield (prefix + out.getvalue()).encode()
            prefix = ""
            out.seek(0)
            out.truncate()
    yield (prefix + out.getvalue()).encode()


# XLSX ---------------------------------------------------------------------------------------

_NUM_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "float": "#,##0.00",
    "percent": "0.00%",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "date": "yyyy-mm-dd",
    "duration_s": "#,##0.0",
}
_WIDTHS: dict[str, int] = {
    "text": 24,
    "int": 12,
    "float": 14,
    "percent": 12,
    "datetime": 20,
    "date": 12,
    "duration_s": 14,
    "bool": 8,
}
_CHUNK = 64 * 1024


def _xlsx_cell(ws: Any, r: int, c: int, value: Any, kind: Kind, fmt: Any, tz: ZoneInfo) -> None:
    if value is None:
        return
    if isinstance(value, enum.Enum):
        value = value.value
    if kind in ("datetime", "date") and isinstance(value, datetime | date):
        if isinstance(value, datetime):
            local = _local(value, tz).replace(tzinfo=None)
            ws.write_datetime(r, c, local if kind == "datetime" else local.date(), fmt)
        else:
            ws.write_datetime(r, c, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(r, c, float(value), fmt)
    else:
        ws.write_string(r, c, str(value))


def _summary_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _write_xlsx(
    path: str,
    rows: Iterable[dict[str, Any]],
    columns: list[Column],
    meta: ReportMeta,
    lang: str,
    extra: dict[str, Any] | None,
) -> None:
    tz = _tz(meta)
    wb = xlsxwriter.Workbook(
        path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(), "in_memory": False}
    )
    bold = wb.add_format({"bold": True})
    head_fmt = wb.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1}
    )
    fmts = {k: wb.add_format({"num_format": v}) for k, v in _NUM_FORMATS.items()}
    es = lang == "es"

    # The summary sheet first: in constant-memory mode each sheet is written once, in order.
    summary = wb.add_worksheet("Resumen" if es else "Summary")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 1, 40)
    lines: list[tuple[str, Any]] = [
        ("Reporte" if es else "Report", meta.title_es if es else meta.title_en),
        ("Generado" if es else "Generated", meta.generated_at.astimezone(tz).isoformat()),
        ("Zona horaria" if es else "Time zone", meta.timezone),
    ]
    lines += [(str(k), _summary_value(v)) for k, v in meta.params.items()]
    for section, payload in (extra or {}).items():
        if isinstance(payload, dict):
            lines += [(f"{section}.{k}", _summary_value(v)) for k, v in payload.items()]
        else:
            lines.append((section, _summary_value(payload)))
    for i, (key, value) in enumerate(lines):
        summary.write_string(i, 0, key, bold)
        if isinstance(value, bool):
            summary.write_boolean(i, 1, value)
        elif isinstance(value, int | float):
            summary.write_number(i, 1, value)
        elif value is not None:
            summary.write_string(i, 1, str(value))

    data = wb.add_worksheet("Datos" if es else "Data")
    data.activate()
    data.freeze_panes(1, 0)
    for c, col in enumerate(columns):
        title = header(col, lang)
        data.set_column(c, c, max(_WIDTHS[col.kind], min(len(title) + 4, 50)))
        data.write_string(0, c, title, head_fmt)
    last = 0
    for r, row in enumerate(rows, start=1):
        for c, col in enumerate(columns):
            _xlsx_cell(data, r, c, row.get(col.key), col.kind, fmts.get(col.kind), tz)
        last = r
    data.autofilter(0, 0, last, max(len(columns) - 1, 0))
    wb.close()


def _stream_xlsx(
    rows: Iterable[dict[str, Any]],
    columns: list[Column],
    meta: ReportMeta,
    lang: str,
    extra: dict[str, Any] | None,
) -> Iterator[bytes]:
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="uanl-report-")
    os.close(fd)
    try:
        _write_xlsx(path, rows, columns, meta, lang, extra)
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def stream(
    rows: Iterable[dict[str, Any]],
    columns: list[Column],
    fmt: Format,
    *,
    meta: ReportMeta,
    lang: Literal["es", "en"] = "es",
    bom: bool = False,
    extra: dict[str, Any] | None = None,
) -> Iterator[bytes]:
    """Yield the encoded report. `extra` holds JSON-only sections (e.g. summary totals).

    (XLSX also lists `extra` on its summary sheet; CSV and JSON Lines carry rows only.)
    """
    if fmt == "json":
        return _stream_json(rows, columns, meta, extra)
    if fmt == "jsonl":
        return _stream_jsonl(rows, columns, meta)
    if fmt == "csv":
        return _stream_csv(rows, columns, meta, lang, bom)
    if fmt == "xlsx":
        return _stream_xlsx(rows, columns, meta, lang, extra)
    raise ValueError(f"unknown format {fmt!r}")
