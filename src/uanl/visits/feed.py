"""Access to an operator's iCalendar feed: calendar apps cannot send a bearer token, so the
feed URL carries a secret (`operators.calendar_token`) that the operator can rotate."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import Forbidden, NotFound
from uanl.models import Client, Operator, Role, ScheduledVisit, utcnow
from uanl.visits import ical
from uanl.visits.service import list_query

FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=400)
FEED_LIMIT = 5_000


def _authorize(operator: Operator, actor: Operator, what: str) -> None:
    if actor.role != Role.admin and actor.id != operator.id:
        raise Forbidden(f"Only the operator themself or an admin can {what} their calendar link")


def rotate_calendar_token(db: Session, operator: Operator, actor: Operator) -> str:
    """A new secret for the feed; the previous link stops working."""
    _authorize(operator, actor, "issue")
    operator.calendar_token = secrets.token_urlsafe(32)
    db.flush()
    logger.bind(audit=True).info(
        "calendar token rotated for operator {} by {}", operator.id, actor.id
    )
    return operator.calendar_token


def current_calendar_token(operator: Operator, actor: Operator) -> str:
    """The feed secret in use (nothing rotates); 404 while the operator has none."""
    _authorize(operator, actor, "read")
    if not operator.calendar_token:
        raise NotFound(f"Operator {operator.id} has no calendar link yet; POST calendar-token")
    return operator.calendar_token


def feed_url(operator_id: int, token: str) -> str:
    base = config.get_settings().public_base_url.rstrip("/")
    return f"{base}/api/v1/visits/operators/{operator_id}/calendar.ics?token={token}"


def operator_for_feed(db: Session, operator_id: int, token: str | None) -> Operator:
    """The operator whose feed token matches (constant-time), else one indistinct 404."""
    operator = db.get(Operator, operator_id)
    expected = operator.calendar_token if operator is not None and operator.is_active else None
    if not token or not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        raise NotFound("No calendar at this address")
    assert operator is not None
    return operator


def feed_text(db: Session, operator: Operator, now: datetime | None = None) -> str:
    """The operator's visits from 90 days back to 400 days ahead as iCalendar text."""
    now = now or utcnow()
    stmt = (
        list_query(operator_id=operator.id, range_from=now - FEED_PAST, range_to=now + FEED_FUTURE)
        .join(Client, Client.id == ScheduledVisit.client_id)
        .add_columns(Client.name)
        .order_by(ScheduledVisit.scheduled_start, ScheduledVisit.id)
        .limit(FEED_LIMIT)
    )
    base = config.get_settings().public_base_url
    events = [ical.visit_event(v, name, base) for v, name in db.execute(stmt).all()]
    return ical.render(f"Visitas de {operator.name}", events, now)
