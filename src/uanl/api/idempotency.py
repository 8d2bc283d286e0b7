"""`Idempotency-Key` for creates: a retried request gets the first answer, nothing new.

The key row is inserted in the same transaction as the effect, so either both exist or
neither does; a concurrent duplicate collides on the primary key and is told to retry.
The stored answer quotes contact data (a requester e-mail): the model seals it like the
contact columns, and a beat task forgets answers after 48 hours (`purge_older_than`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uanl.core.errors import AppError, Conflict
from uanl.models import IdempotencyRecord, utcnow

MAX_KEY_LENGTH = 200


class IdempotencyMismatch(AppError):
    status, title, slug = 422, "Idempotency key reused", "idempotency-mismatch"


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(db: Session, key: str, scope: str, fingerprint: str) -> IdempotencyRecord | None:
    """The stored answer for this key, or None when the request is new (and now reserved)."""
    if len(key) > MAX_KEY_LENGTH or not key.strip():
        raise IdempotencyMismatch(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters")
    row = db.get(IdempotencyRecord, (key, scope))
    if row is not None:
        if row.request_hash != fingerprint:
            raise IdempotencyMismatch("This Idempotency-Key was used with a different request body")
        if row.status_code == 0:
            raise Conflict("A request with this Idempotency-Key is still being processed")
        return row
    try:
        with db.begin_nested():
            db.add(
                IdempotencyRecord(
                    key=key, scope=scope, request_hash=fingerprint, status_code=0, response={}
                )
            )
    except IntegrityError as exc:
        raise Conflict("A request with this Idempotency-Key is being processed; retry") from exc
    return None


def remember(db: Session, key: str, scope: str, status_code: int, response: Any) -> None:
    row = db.get(IdempotencyRecord, (key, scope))
    assert row is not None
    row.status_code = status_code
    row.response = response
    db.flush()


def purge_older_than(db: Session, hours: int = 48) -> int:
    from datetime import timedelta

    cutoff = utcnow() - timedelta(hours=hours)
    result = db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def lookup(db: Session, key: str, scope: str) -> IdempotencyRecord | None:
    return db.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.key == key, IdempotencyRecord.scope == scope
        )
    )
