"""Who hears of a notification event: clients, operators, supervisors and team channels.

`People` reads the rows a plan needs once each (and a batch's with one query per kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from uanl.core.config import Settings
from uanl.models import Client, Language, NotificationChannel, Operator, Role
from uanl.notifications.channels import to_e164

_M = TypeVar("_M", Client, Operator)

SLACK_RECIPIENT = "slack-webhook"
TEAMS_RECIPIENT = "teams-webhook"


@dataclass(frozen=True)
class Recipient:
    channel: NotificationChannel
    address: str
    language: Language = Language.es
    name: str | None = None
    operator_id: int | None = None
    client_id: int | None = None
    kind: str = "client"  # client | operator | supervisor | channel


class People:
    """Clients, operators and the supervisors' recipients that plans need, each read once.

    `emit` reads them one by one (`Session.get`); `emit_for_tickets` preloads a batch's
    with one query each. The objects are held here, so the session's weak identity map
    cannot drop them between two tickets of the batch."""

    def __init__(self, db: Session, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._clients: dict[int, Client | None] = {}
        self._operators: dict[int, Operator | None] = {}
        self._supervisors: list[Recipient] | None = None

    def preload(self, *, client_ids: set[int], operator_ids: set[int]) -> None:
        ids = sorted(client_ids - self._clients.keys())
        for client in self.db.scalars(select(Client).where(Client.id.in_(ids))) if ids else ():
            self._clients[client.id] = client
        ids = sorted(operator_ids - self._operators.keys())
        found = self.db.scalars(select(Operator).where(Operator.id.in_(ids))) if ids else ()
        for operator in found:
            self._operators[operator.id] = operator

    def client(self, client_id: int | None) -> Client | None:
        return self._get(Client, self._clients, client_id)

    def operator(self, operator_id: int | None) -> Operator | None:
        return self._get(Operator, self._operators, operator_id)

    def _get(self, model: type[_M], seen: dict[int, _M | None], row_id: int | None) -> _M | None:
        if not row_id:
            return None
        if row_id not in seen:
            seen[row_id] = self.db.get(model, row_id)
        return seen[row_id]

    def supervisors(self) -> list[Recipient]:
        if self._supervisors is None:
            self._supervisors = _supervisors(self.db, self.settings)
        return self._supervisors


def client_recipient(client: Client | None, fallback_email: str | None = None) -> list[Recipient]:
    email = (client.email if client else None) or fallback_email
    if not email:
        return []
    return [
        Recipient(
            NotificationChannel.email,
            email.strip(),
            client.language if client else Language.es,
            (client.contact_name or client.name) if client else None,
            client_id=client.id if client else None,
        )
    ]


def operator_recipient(operator: Operator | None, kind: str = "operator") -> list[Recipient]:
    if operator is None or not operator.is_active or not operator.email:
        return []
    return [
        Recipient(
            NotificationChannel.email,
            operator.email,
            operator.language,
            operator.name,
            operator_id=operator.id,
            kind=kind,
        )
    ]


def sms_recipient(client: Client | None, settings: Settings) -> list[Recipient]:
    if client is None or not client.phone or not settings.twilio_account_sid:
        return []
    return [
        Recipient(
            NotificationChannel.sms,
            to_e164(client.phone),
            client.language,
            client.contact_name or client.name,
            client_id=client.id,
        )
    ]


def _supervisors(db: Session, settings: Settings) -> list[Recipient]:
    stmt = select(Operator).where(Operator.role == Role.supervisor, Operator.is_active.is_(True))
    out = [
        r
        for op in db.scalars(stmt.order_by(Operator.id))
        for r in operator_recipient(op, "supervisor")
    ]
    if settings.slack_webhook_url:
        out.append(Recipient(NotificationChannel.slack, SLACK_RECIPIENT, kind="channel"))
    if settings.teams_webhook_url:
        out.append(Recipient(NotificationChannel.teams, TEAMS_RECIPIENT, kind="channel"))
    return out


def not_actor(recipients: list[Recipient], actor: Operator | None) -> list[Recipient]:
    """Nobody is told about what they did themselves."""
    if actor is None:
        return recipients
    return [r for r in recipients if r.operator_id != actor.id]
