from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uanl.core.crypto import EncryptedJSON, EncryptedText
from uanl.models.base import (
    Base,
    IdMixin,
    JSONType,
    SlaStatus,
    TicketPriority,
    TicketSource,
    TicketState,
    TimestampMixin,
    str_enum,
    utcnow,
)

PRIORITY_RANK_SQL = (
    "CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 "
    "WHEN 'urgent' THEN 3 ELSE 0 END"
)


RESOLVED_INCLUDE = ["created_at", "sla_status", "csat_score", "priority", "category", "client_id"]
RESPONDED_INCLUDE = ["created_at", "priority", "category", "client_id", "assignee_id"]


class Ticket(IdMixin, TimestampMixin, Base):
    __tablename__ = "tickets"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[TicketPriority] = mapped_column(
        str_enum(TicketPriority, "ticket_priority"), default=TicketPriority.medium
    )
    state: Mapped[TicketState] = mapped_column(
        str_enum(TicketState, "ticket_state"), default=TicketState.new
    )
    # Sortable priority (low 0 .. urgent 3), kept by the database itself so bulk loads and
    # every writer agree; `sort=-priority` walks its index instead of sorting the table.
    priority_rank: Mapped[int] = mapped_column(
        SmallInteger,
        Computed(PRIORITY_RANK_SQL, persisted=True),
    )
    category: Mapped[str | None] = mapped_column(String(60))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    source: Mapped[TicketSource] = mapped_column(
        str_enum(TicketSource, "ticket_source"), default=TicketSource.api
    )
    requester_name: Mapped[str | None] = mapped_column(String(120))
    requester_email: Mapped[str | None] = mapped_column(EncryptedText("tickets.requester_email"))
    # SLA: deadlines and the clock (filled by the automation engine).
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    sla_status: Mapped[SlaStatus | None] = mapped_column(str_enum(SlaStatus, "sla_status"))
    sla_policy_id: Mapped[int | None] = mapped_column(Integer)
    sla_paused_at: Mapped[datetime | None]
    sla_paused_minutes: Mapped[float] = mapped_column(default=0.0)
    # Lifecycle instants.
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # Business seconds (the SLA policy's calendar, minus time paused waiting on the customer)
    # from creation to the first response / the resolution; NULL where no SLA applies.
    first_response_business_s: Mapped[float | None] = mapped_column(Float)
    resolution_business_s: Mapped[float | None] = mapped_column(Float)
    assigned_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalated_at: Mapped[datetime | None]
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_submitted_at: Mapped[datetime | None]
    # Optimistic concurrency: two writers of the same ticket cannot both win silently.
    version: Mapped[int] = mapped_column(Integer, default=1)

    tag_rows: Mapped[list[TicketTag]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index(None, "state", "created_at"),
        Index(None, "priority", "created_at"),
        Index(None, "assignee_id", "state"),
        Index(None, "client_id", "created_at"),
        Index(None, "category", "created_at"),
        Index(None, "source"),
        Index(None, "created_at"),
        Index(None, "resolution_due_at"),
        # Report roll-ups (assignments per day) and the backlog at a period's end.
        Index(None, "assigned_at"),
        Index(None, "closed_at"),
        Index(None, "state", "updated_at"),
        Index(None, "priority_rank", "id"),
        # Reports and dashboards aggregate by when tickets were resolved / first answered;
        # on PostgreSQL the INCLUDE columns let those scans skip the table (index-only).
        Index(None, "resolved_at", postgresql_include=RESOLVED_INCLUDE),
        Index(None, "first_responded_at", postgresql_include=RESPONDED_INCLUDE),
    )

    @property
    def tags(self) -> list[str]:
        return sorted(t.tag for t in self.tag_rows)


class TicketTag(Base):
    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    ticket: Mapped[Ticket] = relationship(back_populates="tag_rows")

    __table_args__ = (Index(None, "tag"),)


class TicketEvent(IdMixin, Base):
    """Append-only history of a ticket: who changed what, before and after, when."""

    __tablename__ = "ticket_events"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    actor_type: Mapped[str] = mapped_column(String(20), default="operator")
    kind: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "ticket_id", "id"),)


class TicketComment(IdMixin, Base):
    __tablename__ = "ticket_comments"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    author_name: Mapped[str | None] = mapped_column(String(120))
    author_email: Mapped[str | None] = mapped_column(EncryptedText("ticket_comments.author_email"))
    body: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "ticket_id", "id"),)


class IdempotencyRecord(Base):
    """The first answer to a request carrying an Idempotency-Key, replayed on retries.

    The stored answer quotes contact data (a ticket's requester e-mail), so it is sealed
    like the contact columns (one AES-GCM token, same keys, re-sealed by `uanl keys rotate`).
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("idempotency_keys.response"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "created_at"),)
