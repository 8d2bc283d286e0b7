"""Customer satisfaction survey: signed links (no login) and one answer per ticket.

Token: `base64url("<ticket_id>.<expires_unix>") + "." + base64url(HMAC-SHA256)[:22]`, keyed by
a key derived from SECRET_KEY for this purpose only (a survey token is never a login).
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
from uanl.core.errors import AppError, Conflict, NotFound
from uanl.models import Ticket, TicketEvent, utcnow

TOKEN_DAYS = 30
API_PATH = "/api/v1/csat"


class MalformedToken(AppError):
    status, title, slug = 400, "Malformed survey link", "csat-malformed"


class ExpiredToken(AppError):
    status, title, slug = 410, "Survey link expired", "csat-expired"


@dataclass(frozen=True)
class SurveyToken:
    ticket_id: int
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"uanl.csat.v1:" + settings.effective_secret_key().encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, settings: Settings) -> str:
    return _b64(hmac.new(_key(settings), payload.encode(), hashlib.sha256).digest())[:22]


def make_token(
    ticket_id: int, settings: Settings | None = None, *, expires_at: datetime | None = None
) -> str:
    settings = settings or config.get_settings()
    expires = expires_at or utcnow() + timedelta(days=TOKEN_DAYS)
    payload = _b64(f"{ticket_id}.{int(expires.timestamp())}".encode())
    return f"{payload}.{_signature(payload, settings)}"


def survey_url(ticket_id: int, settings: Settings | None = None) -> str:
    settings = settings or config.get_settings()
    token = make_token(ticket_id, settings)
    return f"{settings.public_base_url.rstrip('/')}{API_PATH}/{token}"


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
        ticket_part, expires_part = _unb64(payload).decode().split(".")
        ticket_id, expires_unix = int(ticket_part), int(expires_part)
    except (ValueError, UnicodeDecodeError) as exc:  # signed but unreadable: treat as forged
        raise NotFound("This survey link is not valid") from exc
    expires_at = datetime.fromtimestamp(expires_unix, UTC)
    if (now or utcnow()) >= expires_at:
        raise ExpiredToken(
            f"This survey link expired on {expires_at:%Y-%m-%d}; thank you anyway",
            expired_at=expires_at.isoformat(),
        )
    return SurveyToken(ticket_id, expires_at)


def load_ticket(db: Session, token: str) -> Ticket:
    data = read_token(token)
    ticket = db.get(Ticket, data.ticket_id)
    if ticket is None:
        raise NotFound("This survey link is not valid")
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
