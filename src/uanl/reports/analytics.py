"""Flat, denormalised rows for BI tools, read incrementally with an (updated_at, id) cursor."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.models import Call, Client, Operator, Ticket
from uanl.reports.formats import Column, ReportMeta

Entity = Literal["tickets", "calls"]
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Cursor:
    updated_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.updated_at.astimezone(UTC).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, ident = raw.rsplit("|", 1)
            when = datetime.fromisoformat(stamp)
            if when.tzinfo is None:
                raise ValueError("naive")
            return cls(when, int(ident))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise ValidationFailed("cursor", "not a cursor this API issued") from None


def _c(key: str, es: str, en: str, kind: str = "text") -> Column:
    return Column(key, es, en, kind)  # type: ignore[arg-type]


TICKET_COLUMNS = [
    _c("id", "ID", "ID", "int"),
    _c("title", "Título", "Title"),
    _c("state", "Estado", "State"),
    _c("priority", "Prioridad", "Priority"),
    _c("category", "Categoría", "Category"),
    _c("source", "Origen", "Source"),
    _c("client_id", "ID cliente", "Client ID", "int"),
    _c("client_name", "Cliente", "Client"),
    _c("assignee_id", "ID asignado", "Assignee ID", "int"),
    _c("assignee_name", "Asignado a", "Assignee"),
    _c("sla_status", "Estado SLA", "SLA status"),
    _c("escalation_level", "Nivel de escalamiento", "Escalation level", "int"),
    _c("reopen_count", "Reaperturas", "Reopens", "int"),
    _c("csat_score", "CSAT", "CSAT", "int"),
    _c("created_at", "Creado", "Created", "datetime"),
    _c("first_responded_at", "Primera respuesta", "First response", "datetime"),
    _c("resolved_at", "Resuelto", "Resolved", "datetime"),
    _c("closed_at", "Cerrado", "Closed", "datetime"),
    _c("updated_at", "Actualizado", "Updated", "datetime"),
]

CALL_COLUMNS = [
    _c("id", "ID", "ID", "int"),
    _c("started_at", "Inicio", "Started", "datetime"),
    _c("direction", "Dirección", "Direction"),
    _c("outcome", "Resultado", "Outcome"),
    _c("duration_s", "Duración", "Duration", "duration_s"),
    _c("wait_s", "Espera", "Wait", "duration_s"),
    _c("client_id", "ID cliente", "Client ID", "int"),
    _c("client_name", "Cliente", "Client"),
    _c("operator_id", "ID operador", "Operator ID", "int"),
    _c("operator_name", "Operador", "Operator"),
    _c("ticket_id", "Ticket", "Ticket", "int"),
    _c("created_at", "Creado", "Created", "datetime"),
    _c("updated_at", "Actualizado", "Updated", "datetime"),
]


@dataclass(frozen=True)
class _Source:
    """One entity's table, columns, the operator it names and its title."""

    model: Any
    columns: list[Column]
    operator_fk: str  # the column naming the operator shown beside the row
    operator_label: str
    title_es: str
    title_en: str


_SOURCES: dict[str, _Source] = {
    "tickets": _Source(
        Ticket, TICKET_COLUMNS, "assignee_id", "assignee_name", "Tickets", "Tickets"
    ),
    "calls": _Source(Call, CALL_COLUMNS, "operator_id", "operator_name", "Llamadas", "Calls"),
}


def _source(entity: Entity) -> _Source:
    return _SOURCES["tickets" if entity == "tickets" else "calls"]


def columns_for(entity: Entity) -> list[Column]:
    return _source(entity).columns


def base_statement(entity: Entity) -> Any:
    source = _source(entity)
    model, who = source.model, aliased(Operator)
    cols = [getattr(model, c.key) for c in source.columns if hasattr(model, c.key)]
    stmt = (
        select(*cols, Client.name.label("client_name"), who.name.label(source.operator_label))
        .select_from(model)
        .outerjoin(Client, Client.id == model.client_id)
        .outerjoin(who, who.id == getattr(model, source.operator_fk))
    )
    return model, stmt


def _plain(value: Any) -> Any:
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def iter_rows(
    db: Session,
    entity: Entity,
    *,
    after: Cursor | None = None,
    updated_since: datetime | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows ordered by (updated_at, id), strictly after the cursor (or since a time)."""
    model, stmt = base_statement(entity)
    if after is not None:
        stmt = stmt.where(
            or_(
                model.updated_at > after.updated_at,
                and_(model.updated_at == after.updated_at, model.id > after.id),
            )
        )
    elif updated_since is not None:
        stmt = stmt.where(model.updated_at >= updated_since)
    stmt = stmt.order_by(model.updated_at, model.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in db.execute(stmt.execution_options(yield_per=2000)).mappings():
        yield {c.key: _plain(row[c.key]) for c in columns_for(entity)}


def count_rows(db: Session, entity: Entity, *, updated_since: datetime | None = None) -> int:
    """How many rows iter_rows would yield without a cursor or limit."""
    model = _source(entity).model
    stmt = select(func.count()).select_from(model)
    if updated_since is not None:
        stmt = stmt.where(model.updated_at >= updated_since)
    return int(db.scalar(stmt) or 0)


def page(
    db: Session,
    entity: Entity,
    *,
    cursor: str | None,
    updated_since: datetime | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None, bool]:
    """One page: (rows, next_cursor, has_more). The cursor is kept for the next sync even
    when nothing more is there yet, so a BI tool can poll for later changes with it."""
    after = Cursor.decode(cursor) if cursor else None
    if updated_since is not None and updated_since.tzinfo is None:
        updated_since = updated_since.replace(tzinfo=config.get_settings().tz)
    rows = list(iter_rows(db, entity, after=after, updated_since=updated_since, limit=limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        next_cursor: str | None = Cursor(last["updated_at"], last["id"]).encode()
    else:
        next_cursor = cursor
    return rows, next_cursor, has_more


def meta(entity: Entity, params: dict[str, Any]) -> ReportMeta:
    source = _source(entity)
    return ReportMeta(
        title_es=f"Analítica: {source.title_es}",
        title_en=f"Analytics: {source.title_en}",
        params=params,
        timezone=config.get_settings().timezone,
    )
