"""The webhook's brain: understand one message, finish or start an action, record the turn."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uanl.api import idempotency
from uanl.core import config
from uanl.core.errors import AppError, Conflict
from uanl.models import WatsonActivity, utcnow
from uanl.watson import sessions
from uanl.watson.nlu import analyze
from uanl.watson.nlu.entities import extract_entities
from uanl.watson.replies import say
from uanl.watson.runners import ACTION_FOR, RUNNERS, Outcome, Step
from uanl.watson.shapes import Inbound

_CANCEL = re.compile(
    r"^\s*(cancela\w*|olvidalo|olvídalo|no importa|ya no|déjalo|dejalo|cancel|never ?mind|"
    r"forget it|stop)\b",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\D{0,20}?(\d{1,9})\D{0,20}$")
# Webhook deliveries in the `idempotency_keys` table (the same mechanism as POST /tickets).
IDEMPOTENCY_SCOPE = "watson.webhook"


def now() -> datetime:
    """The current instant (tests replace it to pin dates)."""
    return utcnow()


@dataclass
class Turn:
    reply: str
    data: dict[str, Any]
    replayed: bool = False


def delivery_key(inbound: Inbound, idempotency_key: str | None) -> str | None:
    """The caller's `Idempotency-Key`, else one derived from the message id in the payload
    (so a redelivery without session or key is still recognised), else None."""
    if idempotency_key:
        return idempotency_key
    if not inbound.message_id:
        return None
    mid = inbound.message_id
    if len(mid) > 120:  # keys are at most 200 characters
        mid = "sha256-" + hashlib.sha256(mid.encode()).hexdigest()
    return f"{inbound.channel}-message:{mid}"


def handle(db: Session, inbound: Inbound, idempotency_key: str | None = None) -> Turn:
    """One delivery: the first answer again when it was already handled (same key or
    message id; 422 when the key comes with another body), else act and record it."""
    key = delivery_key(inbound, idempotency_key)
    sessions.serialize_turns(db, inbound.session_id, key)
    if key is not None:
        stored = idempotency.replay(db, key, IDEMPOTENCY_SCOPE, inbound.fingerprint)
        if stored is not None:
            answer = stored.response
            return Turn(answer["reply"], answer["data"], replayed=True)
    turn = _answer(db, inbound, key)
    if key is not None:
        answer = {"reply": turn.reply, "data": turn.data}
        idempotency.remember(db, key, IDEMPOTENCY_SCOPE, 200, answer)
    return turn


def _answer(db: Session, inbound: Inbound, idempotency_key: str | None) -> Turn:
    started = time.perf_counter()
    prior = sessions.find_retry(db, inbound.session_id, inbound.text, idempotency_key)
    if prior is not None:
        return Turn(prior.reply_text or "", data_from_row(prior), replayed=True)
    settings = config.get_settings()
    names = sessions.client_names(db)
    reference = now().astimezone(settings.tz)  # relative dates are local wall-clock
    analysis = analyze(
        inbound.text,
        reference_time=reference,
        tz=settings.timezone,
        client_names=list(names),
        locale=inbound.locale,
    )
    pending = sessions.load_pending(db, inbound.session_id)
    intent, language = analysis.intent, analysis.language
    slots: dict[str, Any] = dict(analysis.entities)
    if pending:
        follow = _follow_up(inbound.text, analysis.intent, pending, reference, list(names))
        if follow == "cancel":
            outcome: Outcome | None = Outcome("ok", say("cancelled", pending["language"]))
            pending = None
        elif isinstance(follow, dict):
            intent, language = pending["intent"], pending["language"]
            slots = {**pending["slots"], **{k: v for k, v in follow.items() if v}}
            outcome = None
        else:
            outcome = None
    else:
        outcome = None
    if outcome is None:
        if not pending or intent != pending["intent"]:
            slots.setdefault("text", inbound.text)
        outcome = _run(intent, Step(db, slots, language, inbound, names, reference))
    row = _record(db, inbound, analysis.to_dict(), intent, outcome, started, idempotency_key)
    sessions.save_pending(inbound.session_id, outcome.pending)
    return Turn(outcome.reply, data_from_row(row))


def _follow_up(
    text: str, new_intent: str, pending: dict[str, Any], reference: datetime, names: list[str]
) -> dict[str, Any] | str | None:
    """The slots this message adds to the pending action, "cancel", or None (new request)."""
    if _CANCEL.search(text):
        return "cancel"
    entities = extract_entities(text, pending["intent"], reference, names)
    missing = pending.get("missing")
    if missing == "ticket_id" and "ticket_id" not in entities:
        bare = _BARE_NUMBER.match(text.strip())
        if bare:
            entities["ticket_id"] = int(bare.group(1))
    if missing in entities:
        return entities
    if new_intent not in ("unknown", pending["intent"]):
        return None
    return entities  # nothing new: the action asks again


def _run(intent: str, step: Step) -> Outcome:
    language = step.language
    runner = RUNNERS.get(intent)
    if runner is None:
        return Outcome("unknown", say("unknown", language))
    savepoint = step.db.begin_nested()
    try:
        outcome = runner(step)
    except AppError as exc:
        savepoint.rollback()
        return Outcome("error", say("error", language, reason=exc.detail), error=exc.detail)
    if outcome.status == "ok":
        savepoint.commit()
        outcome.action = ACTION_FOR[intent]
    else:
        savepoint.rollback()
    if outcome.status == "needs_input" and outcome.pending is not None:
        outcome.pending = {
            "intent": intent,
            "language": language,
            "slots": step.slots,
            **outcome.pending,
        }
    return outcome


def _record(
    db: Session,
    inbound: Inbound,
    analysis: dict[str, Any],
    intent: str,
    outcome: Outcome,
    started: float,
    idempotency_key: str | None,
) -> WatsonActivity:
    result = dict(outcome.result)
    if outcome.pending:
        result["pending"] = outcome.pending
    row = WatsonActivity(
        session_id=inbound.session_id,
        channel=inbound.channel,
        user_id=inbound.user_id,
        user_name=inbound.user_name,
        user_email=inbound.user_email,
        client_id=result.get("client_id") or inbound.client_id,
        input_text=inbound.text,
        language=analysis["language"],
        intent=intent,
        confidence=analysis["confidence"],
        entities=analysis["entities"],
        action=outcome.action,
        result=result,
        reply_text=outcome.reply,
        status=outcome.status,
        error=outcome.error,
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
        idempotency_key=idempotency_key,
        created_at=utcnow(),
    )
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict("This Idempotency-Key is being processed by another request; retry") from exc
    return row


def data_from_row(row: WatsonActivity) -> dict[str, Any]:
    result = dict(row.result or {})
    pending = result.pop("pending", None)
    links = result.pop("links", {})
    return {
        "session_id": row.session_id,
        "activity_id": row.id,
        "status": row.status,
        "action": row.action,
        "intent": row.intent,
        "confidence": row.confidence,
        "language": row.language,
        "entities": row.entities or {},
        "result": result,
        "links": links,
        "needs": pending.get("missing") if pending else None,
    }
