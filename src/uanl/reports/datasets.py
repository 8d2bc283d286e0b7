"""The whitelist behind custom reports: which datasets and columns exist, and their types.

Nothing a client sends is ever turned into SQL text: every name is looked up here and
mapped to a SQLAlchemy column object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import InstrumentedAttribute

from uanl.models import (
    Call,
    CallDirection,
    CallOutcome,
    Language,
    Notification,
    NotificationChannel,
    NotificationStatus,
    ScheduledVisit,
    SlaStatus,
    Ticket,
    TicketPriority,
    TicketSource,
    TicketState,
    VisitState,
)
from uanl.reports.formats import Column

FieldKind = Literal["text", "enum", "int", "float", "datetime", "bool"]
NUMERIC: tuple[FieldKind, ...] = ("int", "float")


@dataclass(frozen=True)
class Field:
    name: str
    attr: InstrumentedAttribute[Any]
    kind: FieldKind
    header_es: str
    header_en: str
    choices: tuple[str, ...] = ()
    fmt_kind: str | None = None  # the formats.Column kind, when not derived from `kind`
    sealed: bool = False  # encrypted at rest: can be shown, not filtered, grouped or sorted

    def column(self) -> Column:
        kind = self.fmt_kind or {"enum": "text"}.get(self.kind, self.kind)
        return Column(self.name, self.header_es, self.header_en, kind)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Dataset:
    name: str
    model: Any
    date_field: str
    fields: dict[str, Field]
    title_es: str
    title_en: str


def _values(enum_cls: Any) -> tuple[str, ...]:
    return tuple(m.value for m in enum_cls)


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


def _common(model: Any) -> list[Field]:
    return [
        Field("id", model.id, "int", "ID", "ID"),
        Field("created_at", model.created_at, "datetime", "Creado", "Created"),
        Field("updated_at", model.updated_at, "datetime", "Actualizado", "Updated"),
    ]


TICKETS = Dataset(
    "tickets",
    Ticket,
    "created_at",
    _fields(
        *_common(Ticket),
        Field("title", Ticket.title, "text", "Título", "Title"),
        Field(
            "priority", Ticket.priority, "enum", "Prioridad", "Priority", _values(TicketPriority)
        ),
        Field("state", Ticket.state, "enum", "Estado", "State", _values(TicketState)),
        Field("category", Ticket.category, "text", "Categoría", "Category"),
        Field("source", Ticket.source, "enum", "Origen", "Source", _values(TicketSource)),
        Field("client_id", Ticket.client_id, "int", "Cliente", "Client"),
        Field("assignee_id", Ticket.assignee_id, "int", "Asignado a", "Assignee"),
        Field(
            "sla_status", Ticket.sla_status, "enum", "Estado SLA", "SLA status", _values(SlaStatus)
        ),
        Field(
            "escalation_level",
            Ticket.escalation_level,
            "int",
            "Nivel de escalamiento",
            "Escalation level",
        ),
        Field("reopen_count", Ticket.reopen_count, "int", "Reaperturas", "Reopens"),
        Field("csat_score", Ticket.csat_score, "int", "CSAT", "CSAT"),
        Field(
            "first_responded_at",
            Ticket.first_responded_at,
            "datetime",
            "Primera respuesta",
            "First response",
        ),
        Field("resolved_at", Ticket.resolved_at, "datetime", "Resuelto", "Resolved"),
        Field("closed_at", Ticket.closed_at, "datetime", "Cerrado", "Closed"),
    ),
    "Tickets",
    "Tickets",
)

CALLS = Dataset(
    "calls",
    Call,
    "started_at",
    _fields(
        *_common(Call),
        Field("started_at", Call.started_at, "datetime", "Inicio", "Started"),
        Field(
            "direction", Call.direction, "enum", "Dirección", "Direction", _values(CallDirection)
        ),
        Field("outcome", Call.outcome, "enum", "Resultado", "Outcome", _values(CallOutcome)),
        Field("duration_s", Call.duration_s, "int", "Duración (s)", "Duration (s)"),
        Field("wait_s", Call.wait_s, "int", "Espera (s)", "Wait (s)"),
        Field("client_id", Call.client_id, "int", "Cliente", "Client"),
        Field("operator_id", Call.operator_id, "int", "Operador", "Operator"),
        Field("ticket_id", Call.ticket_id, "int", "Ticket", "Ticket"),
        Field("notes", Call.notes, "text", "Notas", "Notes"),
    ),
    "Llamadas",
    "Calls",
)

VISITS = Dataset(
    "visits",
    ScheduledVisit,
    "scheduled_start",
    _fields(
        *_common(ScheduledVisit),
        Field(
            "scheduled_start",
            ScheduledVisit.scheduled_start,
            "datetime",
            "Inicio programado",
            "Scheduled start",
        ),
        Field(
            "scheduled_end",
            ScheduledVisit.scheduled_end,
            "datetime",
            "Fin programado",
            "Scheduled end",
        ),
        Field("state", ScheduledVisit.state, "enum", "Estado", "State", _values(VisitState)),
        Field("client_id", ScheduledVisit.client_id, "int", "Cliente", "Client"),
        Field("operator_id", ScheduledVisit.operator_id, "int", "Técnico", "Technician"),
        Field("ticket_id", ScheduledVisit.ticket_id, "int", "Ticket", "Ticket"),
        Field("address", ScheduledVisit.address, "text", "Dirección", "Address", sealed=True),
        Field(
            "reschedule_count",
            ScheduledVisit.reschedule_count,
            "int",
            "Reprogramaciones",
            "Reschedules",
        ),
        Field("forced", ScheduledVisit.forced, "bool", "Forzada", "Forced"),
    ),
    "Visitas",
    "Visits",
)

NOTIFICATIONS = Dataset(
    "notifications",
    Notification,
    "created_at",
    _fields(
        *_common(Notification),
        Field(
            "channel",
            Notification.channel,
            "enum",
            "Canal",
            "Channel",
            _values(NotificationChannel),
        ),
        Field("event", Notification.event, "text", "Evento", "Event"),
        Field(
            "status", Notification.status, "enum", "Estado", "Status", _values(NotificationStatus)
        ),
        Field("language", Notification.language, "enum", "Idioma", "Language", _values(Language)),
        Field("attempts", Notification.attempts, "int", "Intentos", "Attempts"),
        Field("sent_at", Notification.sent_at, "datetime", "Enviado", "Sent"),
        Field("ticket_id", Notification.ticket_id, "int", "Ticket", "Ticket"),
        Field("visit_id", Notification.visit_id, "int", "Visita", "Visit"),
    ),
    "Notificaciones",
    "Notifications",
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (TICKETS, CALLS, VISITS, NOTIFICATIONS)}
