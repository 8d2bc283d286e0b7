from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from uanl.clients.schemas import ClientCreate, ClientUpdate
from uanl.core.crud import apply_changes, ensure_unused, flush_or_conflict
from uanl.core.crypto import blind_index
from uanl.core.errors import Conflict
from uanl.models import Call, Client, ClientTier, ScheduledVisit, Ticket, utcnow
from uanl.sla.service import recompute_open_tickets


def _ensure_rfc_free(db: Session, rfc: str | None, exclude_id: int | None = None) -> None:
    if rfc:
        taken = Conflict(f"A client with RFC {rfc} already exists", field="rfc")
        ensure_unused(db, Client.rfc_bidx, "rfc", rfc, exclude_id, taken)


def create_client(db: Session, data: ClientCreate) -> Client:
    _ensure_rfc_free(db, data.rfc)
    client = Client(**data.model_dump())
    db.add(client)
    flush_or_conflict(db, f"A client with RFC {data.rfc} already exists")
    return client


def update_client(
    db: Session, client: Client, data: ClientUpdate, *, full: bool = False
) -> dict[str, list[Any]]:
    values = data.model_dump(exclude_unset=not full)
    if full:
        # PUT replaces: absent optional fields become empty, required ones keep defaults.
        values = {
            k: v
            for k, v in values.items()
            if v is not None or k not in ("name", "tier", "language")
        }
    _ensure_rfc_free(db, values.get("rfc"), exclude_id=client.id)
    changes = apply_changes(client, values)
    flush_or_conflict(db, "A client with that RFC already exists")
    if "tier" in changes:
        # SLA policies can differ by client tier: the client's open tickets get new deadlines.
        recompute_open_tickets(db, utcnow(), Ticket.client_id == client.id)
    return changes


def delete_client(db: Session, client: Client) -> None:
    for model in (Ticket, Call, ScheduledVisit):
        if db.scalar(select(exists().where(model.client_id == client.id))):
            raise Conflict(
                f"Client {client.id} has {model.__tablename__}; it cannot be deleted "
                "(history must be kept)"
            )
    db.delete(client)
    db.flush()


def list_query(*, tier: ClientTier | None, q: str | None) -> Select[Client]:
    stmt = select(Client)
    if tier is not None:
        stmt = stmt.where(Client.tier == tier)
    if q:
        # E-mail and RFC are encrypted: they match exactly, through their blind index.
        like = f"%{q.lower()}%"
        matches: list[ColumnElement[bool]] = [
            func.lower(Client.name).like(like),
            func.lower(Client.contact_name).like(like),
        ]
        for kind, column in (("email", Client.email_bidx), ("rfc", Client.rfc_bidx)):
            digest = blind_index(kind, q)
            if digest is not None:
                matches.append(column == digest)
        stmt = stmt.where(or_(*matches))
    return stmt
