"""Who may read which notification, and what a staff reader sees of its text.

A notification is addressed to one person and may carry a credential of theirs: the client's
satisfaction-survey link (a signed token that answers the survey without a login) or a
schedule recipient's signed report-download link. So:

- an operator reads only the rows addressed to them (`recipient_operator_id`); anyone else's
  row is a 404, as if it did not exist;
- supervisors and admins read every row, and nobody reads those links through the API: the
  rendered subject and body have them replaced by `REDACTED` (the e-mail itself, built from
  the row's context when it is delivered, keeps them).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from uanl.core.errors import NotFound
from uanl.models import Notification, Operator, Role

REDACTED = "[enlace oculto]"
MANAGERS = (Role.admin, Role.supervisor)

# Context values that are credentials when they carry a token.
_SECRET_CONTEXT = ("csat_url", "report_url")
_URL_END = r"[^\s\"'<>()\[\]]*"
_PATTERNS = (
    # A survey link (any host, or a bare path), with its ?score=n or not.
    re.compile(r"(?:https?://[^\s\"'<>/]+)?/api/v1/csat/" + _URL_END),
    # Any link with a token in its query: signed report downloads, calendar feeds.
    re.compile(r"(?:https?://|/)[^\s\"'<>]*?[?&](?:token|signature|sig)=" + _URL_END),
)


def sees_all(actor: Operator) -> bool:
    return actor.role in MANAGERS


def visible(stmt: Select[Any], actor: Operator) -> Select[Any]:
    """Limit a query on notifications to the rows `actor` may read."""
    if sees_all(actor):
        return stmt
    return stmt.where(Notification.recipient_operator_id == actor.id)


def get_visible(db: Session, notification_id: int, actor: Operator) -> Notification:
    row = db.get(Notification, notification_id)
    if row is None or not (sees_all(actor) or row.recipient_operator_id == actor.id):
        raise NotFound(f"Notification {notification_id} not found")
    return row


def _secrets(context: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for name in _SECRET_CONTEXT:
        value = context.get(name)
        if not isinstance(value, str) or not value:
            continue
        if name == "csat_url" or "token=" in value:
            found.append(value)
            token = value.rsplit("/csat/", 1)[-1] if name == "csat_url" else value
            token = token.split("token=", 1)[-1]
            if len(token) >= 16:  # the bare token, should a template print it alone
                found.append(token)
    return sorted(found, key=len, reverse=True)


def redact(text: str | None, context: dict[str, Any] | None = None) -> str | None:
    """`text` without survey links, signed links or the tokens in the row's context."""
    if not text:
        return text
    for pattern in _PATTERNS:  # whole links first, with their ?score=n
        text = pattern.sub(REDACTED, text)
    for secret in _secrets(context or {}):
        text = text.replace(secret, REDACTED)
    return text
