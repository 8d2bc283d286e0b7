"""What the Watson integration has been doing: health figures, sessions and transcripts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uanl.core.config import Settings
from uanl.core.errors import NotFound
from uanl.models import WatsonActivity, utcnow
from uanl.watson import iam

LATENCY_SAMPLE = 50_000


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return round(values[index], 2)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def overview(db: Session, settings: Settings) -> dict[str, Any]:
    since = utcnow() - timedelta(hours=24)
    recent = WatsonActivity.created_at >= since
    by_intent = dict(
        db.execute(
            select(WatsonActivity.intent, func.count())
            .where(recent)
            .group_by(WatsonActivity.intent)
        ).all()
    )
    by_action = dict(
        db.execute(
            select(WatsonActivity.action, func.count())
            .where(recent, WatsonActivity.action.is_not(None))
            .group_by(WatsonActivity.action)
        ).all()
    )
    by_status = dict(
        db.execute(
            select(WatsonActivity.status, func.count())
            .where(recent)
            .group_by(WatsonActivity.status)
        ).all()
    )
    total = sum(by_status.values())
    latencies = [
        float(v)
        for v in db.scalars(
            select(WatsonActivity.latency_ms)
            .where(recent, WatsonActivity.latency_ms.is_not(None))
            .order_by(WatsonActivity.created_at.desc())
            .limit(LATENCY_SAMPLE)
        )
        if v is not None
    ]
    last_ok = db.scalar(
        select(func.max(WatsonActivity.created_at)).where(WatsonActivity.status == "ok")
    )
    return {
        "configured": bool(settings.watson_api_key),
        "assistant_configured": bool(settings.watson_url and settings.watson_assistant_id),
        "last_success_at": _iso(last_ok),
        "iam_token": iam.token_state(settings),
        "last_24h": {
            "total": total,
            "by_intent": {str(k): v for k, v in by_intent.items()},
            "by_action": {str(k): v for k, v in by_action.items()},
            "by_status": {str(k): v for k, v in by_status.items()},
            "error_rate": round(by_status.get("error", 0) / total, 4) if total else 0.0,
            "latency_ms": {
                "p50": _percentile(latencies, 0.50),
                "p95": _percentile(latencies, 0.95),
            },
        },
    }


def list_sessions(db: Session, limit: int, offset: int) -> dict[str, Any]:
    grouped = (
        select(
            WatsonActivity.session_id,
            func.count().label("turns"),
            func.min(WatsonActivity.created_at).label("started_at"),
            func.max(WatsonActivity.created_at).label("last_at"),
        )
        .group_by(WatsonActivity.session_id)
        .subquery()
    )
    total = db.scalar(select(func.count()).select_from(grouped)) or 0
    rows = db.execute(
        select(grouped)
        .order_by(grouped.c.last_at.desc(), grouped.c.session_id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [r.session_id for r in rows]
    outcomes: dict[str, dict[str, int]] = {sid: {} for sid in ids}
    last: dict[str, WatsonActivity] = {}
    if ids:
        for sid, status, count in db.execute(
            select(WatsonActivity.session_id, WatsonActivity.status, func.count())
            .where(WatsonActivity.session_id.in_(ids))
            .group_by(WatsonActivity.session_id, WatsonActivity.status)
        ):
            outcomes[sid][status] = count
        for act in db.scalars(
            select(WatsonActivity)
            .where(WatsonActivity.session_id.in_(ids))
            .order_by(WatsonActivity.created_at, WatsonActivity.id)
        ):
            last[act.session_id] = act
    items = []
    for r in rows:
        latest = last.get(r.session_id)
        items.append(
            {
                "session_id": r.session_id,
                "turns": r.turns,
                "started_at": _iso(r.started_at),
                "last_at": _iso(r.last_at),
                "channel": latest.channel if latest else None,
                "user_id": latest.user_id if latest else None,
                "user_name": latest.user_name if latest else None,
                "user_email": latest.user_email if latest else None,
                "last_status": latest.status if latest else None,
                "last_action": latest.action if latest else None,
                "outcomes": outcomes.get(r.session_id, {}),
            }
        )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def transcript(db: Session, session_id: str) -> dict[str, Any]:
    rows = db.scalars(
        select(WatsonActivity)
        .where(WatsonActivity.session_id == session_id)
        .order_by(WatsonActivity.created_at, WatsonActivity.id)
    ).all()
    if not rows:
        raise NotFound(f"Watson session {session_id!r} does not exist")
    return {
        "session_id": session_id,
        "turns": [
            {
                "id": r.id,
                "created_at": _iso(r.created_at),
                "channel": r.channel,
                "user_id": r.user_id,
                "user_name": r.user_name,
                "user_email": r.user_email,
                "text": r.input_text,
                "language": r.language,
                "intent": r.intent,
                "confidence": r.confidence,
                "entities": r.entities,
                "action": r.action,
                "result": r.result,
                "reply": r.reply_text,
                "status": r.status,
                "error": r.error,
                "latency_ms": r.latency_ms,
            }
            for r in rows
        ],
    }
