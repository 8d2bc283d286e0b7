"""Bulk export of every ticket or call matching a filter, as CSV, without holding rows.

On PostgreSQL the CSV is produced by the database itself (`COPY (SELECT ...) TO STDOUT`)
and its chunks go straight to the response: as fast as `psql \\copy`, in constant memory.
Elsewhere (SQLite, embedded mode) the same SELECT is read in batches and written by
Python's csv module in the same format, byte for byte: times in the deployment's time zone
as `YYYY-MM-DD HH:MM:SS`, enums as their values, empty cells (`""`) for NULL, numbers bare,
and text quoted and neutralised against formula injection (`csv_safety`: in SQL for COPY).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, literal
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.models import Call, Ticket, TicketPriority, TicketState
from uanl.reports import analytics
from uanl.reports.csv_safety import neutralise, neutralise_sql, row_writer
from uanl.reports.formats import Column, header

Entity = Literal["tickets", "calls"]
_BATCH = 5000
_FLUSH_BYTES = 256 * 1024
_PG_TIME = "YYYY-MM-DD HH24:MI:SS"
_PY_TIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class ExportFilter:
    entity: Entity
    date_from: date | None = None
    date_to: date | None = None
    state: TicketState | None = None
    priority: TicketPriority | None = None
    client_id: int | None = None
    operator_id: int | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationFailed("date_from", "must not be after date_to")
        if self.entity == "calls" and (self.state or self.priority):
            field = "state" if self.state else "priority"
            raise ValidationFailed(field, "applies to tickets only")


def columns(entity: Entity) -> list[Column]:
    return analytics.columns_for(entity)


def statement(flt: ExportFilter, tz: ZoneInfo, *, as_text: bool) -> Select[Any]:
    """The export's SELECT; with `as_text`, every value already formatted by PostgreSQL:
    text neutralised (`csv_safety`), and NULL as '' so COPY writes `""` as Python's csv does."""
    model, stmt = analytics.base_statement(flt.entity)
    stamp = Ticket.created_at if flt.entity == "tickets" else Call.started_at
    if flt.date_from:
        stmt = stmt.where(stamp >= datetime.combine(flt.date_from, time(), tz))
    if flt.date_to:
        stmt = stmt.where(stamp < datetime.combine(flt.date_to + timedelta(days=1), time(), tz))
    if flt.state:
        stmt = stmt.where(Ticket.state == flt.state)
    if flt.priority:
        stmt = stmt.where(Ticket.priority == flt.priority)
    if flt.client_id:
        stmt = stmt.where(model.client_id == flt.client_id)
    if flt.operator_id:
        who = Ticket.assignee_id if flt.entity == "tickets" else Call.operator_id
        stmt = stmt.where(who == flt.operator_id)
    stmt = stmt.order_by(model.id)
    if not as_text:
        return stmt
    by_name = {c.name: c for c in stmt.selected_columns}
    formatted = []
    for col in columns(flt.entity):
        expr: Any = by_name[col.key]
        if col.kind == "datetime":
            expr = func.to_char(func.timezone(tz.key, expr), _PG_TIME)
        elif col.kind == "text":
            expr = neutralise_sql(cast(expr, String))
        else:
            expr = cast(expr, String)
        formatted.append(func.coalesce(expr, literal("", String)).label(col.key))
    return stmt.with_only_columns(*formatted, maintain_column_froms=True)


def _py_cell(value: Any, kind: str, tz: ZoneInfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(tz).strftime(_PY_TIME)
    if hasattr(value, "value"):
        value = value.value
    return neutralise(value)


def _header_line(flt: ExportFilter, lang: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([header(c, lang) for c in columns(flt.entity)])
    return out.getvalue().encode()


def _copy_chunks(db: Session, flt: ExportFilter, tz: ZoneInfo) -> Iterator[bytes]:
    stmt = statement(flt, tz, as_text=True)
    compiled = stmt.compile(
        dialect=db.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    # Quote text and times as the Python writer does (csv_safety.row_writer); numbers bare.
    quoted = ", ".join(c.key for c in columns(flt.entity) if c.kind in ("text", "datetime"))
    sql = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE ({quoted}))"
    raw: Any = db.connection().connection.driver_connection
    buf: list[bytes] = []
    size = 0
    with raw.cursor() as cur, cur.copy(sql, compiled.params) as copy:
        for data in copy:
            buf.append(bytes(data))
            size += len(data)
            if size >= _FLUSH_BYTES:
                yield b"".join(buf)
                buf, size = [], 0
    if buf:
        yield b"".join(buf)


def _python_chunks(db: Session, flt: ExportFilter, tz: ZoneInfo) -> Iterator[bytes]:
    cols = columns(flt.entity)
    stmt = statement(flt, tz, as_text=False)
    out = io.StringIO()
    writer = row_writer(out, "\n")
    result = db.execute(stmt.execution_options(yield_per=_BATCH)).mappings()
    for row in result:
        writer.writerow([_py_cell(row[c.key], c.kind, tz) for c in cols])
        if out.tell() >= _FLUSH_BYTES:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode()


def csv_chunks(
    db: Session, flt: ExportFilter, lang: str = "es", *, use_copy: bool | None = None
) -> Iterator[bytes]:
    """The whole export as CSV byte chunks (header first)."""
    flt.check()
    tz = config.get_settings().tz
    postgres = db.get_bind().dialect.name == "postgresql"
    yield _header_line(flt, lang)
    if use_copy if use_copy is not None else postgres:
        yield from _copy_chunks(db, flt, tz)
    else:
        yield from _python_chunks(db, flt, tz)
