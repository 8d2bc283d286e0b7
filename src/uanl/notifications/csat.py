"""Customer satisfaction survey: signed links (no login) and one answer per ticket.

Token: `base64url("<ticket_id>.<expires_unix>.<recipient>") + "." + base64url(HMAC-SHA256)[:22]`,
keyed by a key derived from SECRET_KEY for this purpose only (a survey token is never a
login). `<recipient>` is a keyed fingerprint of the address the link was e-mailed to (the
ticket's contact), so the link answers only while that address is still the ticket's
contact; tokens without it (links sent before it existed) are read as before.

Who may answer: the link is delivered only to the client's address and the staff API never
shows it (`notifications.visibility`). On top of that the survey refuses any request that
carries staff credentials (an Authorization header), and a ticket whose contact address is
its own assignee's gets no survey and accepts no answer: nobody rates their own work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.config import Settings
from uanl.core.errors import AppError, Conflict, Forbidden, NotFound
from uanl.models import Client, Operator, Ticket, TicketEvent, utcnow

TOKEN_DAYS = 30
API_PATH = "/api/v1/csat"


class MalformedToken(AppError):
    status, title, slug = 400, "Malformed survey link", "csat-malformed"


class ExpiredToken(AppError):
    status, title, slug = 410, "Survey link expired", "csat-expired"


class StaffAnswer(Forbidden):
    title, slug = "Staff cannot answer the survey", "csat-staff"


@dataclass(frozen=True)
class SurveyToken:
    ticket_id: int
    expires_at: datetime
    recipient: str | None = None  # fingerprint of the address the link was sent to


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"uanl.csat.v1:" + settings.effective_secret_key().encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, settings: Settings) -> str:
    return _b64(hmac.new(_key(settings), payload.encode(), hashlib.sha256).digest())[:22]


def fingerprint(address: str, settings: Settings) -> str:
    """A keyed, one-way short hash of an address (the token is readable, the address not)."""
    normal = address.strip().lower().encode()
    return _b64(hmac.new(_key(settings), b"recipient:" + normal, hashlib.sha256).digest())[:16]


def make_token(
    ticket_id: int,
    settings: Settings | None = None,
    *,
    recipient: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """A survey token for `ticket_id`, bound to the address it is sent to (`recipient`)."""
    settings = settings or config.get_settings()
    expires = expires_at or utcnow() + timedelta(days=TOKEN_DAYS)
    parts = [str(ticket_id), str(int(expires.timestamp()))]
    if recipient:
        parts.append(fingerprint(recipient, settings))
    payload = _b64(".".join(parts).encode())
    return f"{payload}.{_signature(payload, settings)}"


def survey_url(ticket_id: int, settings: Settings | None = None, *, recipient: str) -> str:
    settings = settings or config.get_settings()
    token = make_token(ticket_id, settings, recipient=recipient)
    return f"{settings.public_base_url.rstrip('/')}{API_PATH}/{token}"


def survey_address(db: Session, ticket: Ticket) -> str | None:
    """Where a ticket's survey goes: its client's e-mail, else the requester's (as events)."""
    client = db.get(Client, ticket.client_id) if ticket.client_id else None
    address = (client.email if client else None) or ticket.requester_email
    return address.strip() if address else None


def is_assignee_address(assignee: Operator | None, address: str | None) -> bool:
    """True when the survey would go to the ticket's own assignee."""
    if assignee is None or not address or not assignee.email:
        return False
    return assignee.email.strip().lower() == address.strip().lower()


def read_token(
    token: str, settings: Settings | None = None, *, now: datetime | None = None
) -> SurveyToken:
    """The ticket a token names; 400 malformed, 404 forged, 410 expired."""
    settings = settings or config.get_settings()
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature or len(token) > 200:
        raise MalformedToken("This survey link is incomplete; copy the whole link from the e-mail")
    if not hmac.compare_digest(signature, _signature(payload, settings)):
        raise NotFound("This survey link is not valid")
    try:
        ticket_part, expires_part, *rest = _unb64(payload).decode().split(".")
        ticket_id, expires_unix = int(ticket_part), int(expires_part)
        if len(rest) > 1 or (rest and not rest[0]):
            raise ValueError("unexpected token parts")
    except (ValueError, UnicodeDecodeError) as exc:  # signed but unreadable: treat as forged
        raise NotFound("This survey link is not valid") from exc
    expires_at = datetime.fromtimestamp(expires_unix, UTC)
    if (now or utcnow()) >= expires_at:
        raise ExpiredToken(
            f"This survey link expired on {expires_at:%Y-%m-%d}; thank you anyway",
            expired_at=expires_at.isoformat(),
        )
    return SurveyToken(ticket_id, expires_at, rest[0] if rest else None)


def load_ticket(db: Session, token: str) -> Ticket:
    """The ticket a valid link names, if its recipient may still answer.

    404 when the ticket is gone or its contact is no longer the address the link was sent
    to; 403 when that address is the ticket's assignee's."""
    settings = config.get_settings()
    data = read_token(token, settings)
    ticket = db.get(Ticket, data.ticket_id)
    if ticket is None:
        raise NotFound("This survey link is not valid")
    address = survey_address(db, ticket)
    if data.recipient is not None and (
        address is None
        or not hmac.compare_digest(data.recipient.encode(), fingerprint(address, settings).encode())
    ):
        raise NotFound("This survey link is not valid")
    assignee = db.get(Operator, ticket.assignee_id) if ticket.assignee_id else None
    if is_assignee_address(assignee, address):
        raise StaffAnswer("The ticket's assignee cannot answer its satisfaction survey")
    return ticket


def submit(db: Session, ticket: Ticket, score: int, comment: str | None) -> Ticket:
    """Store the answer once; a second answer (even a concurrent one) is a 409."""
    now = utcnow()
    comment = (comment or "").strip() or None
    result = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.csat_submitted_at.is_(None))
        .values(
            csat_score=score,
            csat_comment=comment,
            csat_submitted_at=now,
            version=Ticket.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("This survey was already answered; thank you")
    db.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=None,
            actor_type="client",
            kind="csat",
            changes={"csat_score": [None, score]},
            note=comment[:500] if comment else None,
            created_at=now,
        )
    )
    db.flush()
    db.refresh(ticket)
    return ticket
