"""Conversation state: pending actions per session, retry detection and client names.

A pending action (something asked for and not yet answered) lives in Redis when REDIS_URL is
configured (`uanl:watson:pending:{session}`, 30-minute TTL, sealed with the data keys), else
in the latest `watson_activities` row of the session (`result["pending"]`, sealed too).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from loguru import logger
from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.crypto import keyring
from uanl.models import Client, WatsonActivity, utcnow

PENDING_TTL_S = 30 * 60
PENDING_CONTEXT = "watson.pending"  # binds the sealed Redis value to its use
RETRY_WINDOW = timedelta(minutes=2)
CLIENT_CACHE_TTL_S = 30.0


def pending_key(session_id: str) -> str:
    return f"uanl:watson:pending:{session_id}"


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


def _redis_client() -> Any | None:
    url = config.get_settings().redis_url
    return _redis(url) if url else None


def load_pending(db: Session, session_id: str) -> dict[str, Any] | None:
    client = _redis_client()
    if client is not None:
        try:
            raw = client.get(pending_key(session_id))
            return json.loads(_open_pending(raw)) if raw else None
        except Exception as exc:  # noqa: BLE001 - fall back to the database
            logger.warning("watson pending state: Redis unavailable ({}), using the DB", exc)
    row = db.scalars(
        select(WatsonActivity)
        .where(WatsonActivity.session_id == session_id)
        .order_by(WatsonActivity.created_at.desc(), WatsonActivity.id.desc())
        .limit(1)
    ).first()
    if row is None or not isinstance(row.result, dict):
        return None
    pending = row.result.get("pending")
    if not pending or utcnow() - _aware(row.created_at) > timedelta(seconds=PENDING_TTL_S):
        return None
    return dict(pending)


def save_pending(session_id: str, pending: dict[str, Any] | None) -> None:
    """Redis only: the database copy is the activity row's `result["pending"]`."""
    client = _redis_client()
    if client is None:
        return
    try:
        if pending:
            sealed = keyring().encrypt(json.dumps(pending), PENDING_CONTEXT)
            client.set(pending_key(session_id), sealed, ex=PENDING_TTL_S)
        else:
            client.delete(pending_key(session_id))
    except Exception as exc:  # noqa: BLE001
        logger.warning("watson pending state not saved in Redis: {}", exc)


def _open_pending(raw: bytes) -> str:
    """Pending slots quote what the user typed (e-mail, phone): sealed in Redis as in the
    database. A plaintext value written before sealing existed is read as it is (TTL 30 min)."""
    value = raw.decode()
    return keyring().decrypt(value, PENDING_CONTEXT) if value.startswith("enc1.") else value


def _aware(value: Any) -> Any:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def serialize_turns(db: Session, session_id: str, idempotency_key: str | None) -> None:
    """Hold a per-conversation lock until this transaction ends.

    Two deliveries of one message arriving at the same instant (a retry racing the
    original) then run one after the other, and the second finds the first's record
    (`find_retry`) instead of acting again. Only PostgreSQL needs it: SQLite transactions
    are already serialized (BEGIN IMMEDIATE).
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for key in (f"watson-session:{session_id}", f"watson-key:{idempotency_key or ''}"):
        if key.endswith(":"):
            continue
        db.execute(sql_text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def find_retry(
    db: Session, session_id: str, text: str, idempotency_key: str | None
) -> WatsonActivity | None:
    """The first answer to this same delivery, if it was already handled."""
    if idempotency_key:
        return db.scalars(
            select(WatsonActivity).where(WatsonActivity.idempotency_key == idempotency_key)
        ).first()
    since = utcnow() - RETRY_WINDOW
    return db.scalars(
        select(WatsonActivity)
        .where(
            WatsonActivity.session_id == session_id,
            WatsonActivity.input_text == text,
            WatsonActivity.created_at >= since,
            WatsonActivity.status != "error",
        )
        .order_by(WatsonActivity.created_at.desc())
        .limit(1)
    ).first()


# -- client names for fuzzy matching ------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[Any, ...], dict[str, int]]] = {}


def client_names(db: Session) -> dict[str, int]:
    """Client name -> id (lowest id wins on duplicates), cached briefly.

    A cheap fingerprint (count, last update) reloads the names as soon as a client changes.
    """
    url = str(getattr(db.get_bind(), "url", ""))
    fingerprint = tuple(
        db.execute(select(func.count(Client.id), func.max(Client.updated_at))).one()
    )
    now = time.monotonic()
    with _lock:
        hit = _cache.get(url)
        if hit and hit[1] == fingerprint and now - hit[0] < CLIENT_CACHE_TTL_S:
            return hit[2]
    names: dict[str, int] = {}
    for cid, name in db.execute(select(Client.id, Client.name).order_by(Client.id.desc())):
        names[name] = cid
    with _lock:
        _cache[url] = (now, fingerprint, names)
    return names


def clear_client_cache() -> None:
    with _lock:
        _cache.clear()
