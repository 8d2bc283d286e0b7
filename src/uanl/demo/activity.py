"""Demo calls, on-site visits and Watson activity, built around the demo tickets."""

from __future__ import annotations

import bisect
import random
from itertools import accumulate
from typing import Any

from uanl.demo import names
from uanl.demo.clock import PHONE, Clock, business_slot, to_dt
from uanl.demo.lifecycle import HOUR, lognormal
from uanl.demo.people import DemoClient, DemoOperator
from uanl.demo.tickets import TicketRows, TicketSummary, VisitCandidate
from uanl.sla.calendar import BusinessCalendar

# Outcomes of calls that did not open a ticket; `ticket_created` calls come from phone
# tickets (about 15 % of all calls when calls are 3x the tickets).
OTHER_OUTCOMES = {"resolved": 55, "escalated": 8, "callback": 8, "abandoned": 10, "voicemail": 4}
VISIT_CATEGORIES = ("hardware", "redes", "telefonia")


def build_calls(
    rng: random.Random,
    clock: Clock,
    total: int,
    summaries: list[TicketSummary],
    operators: list[DemoOperator],
    clients: list[DemoClient],
    first_id: int,
) -> list[dict[str, Any]]:
    staff = [o.id for o in operators if o.role in ("operator", "supervisor")]
    calls: list[tuple[float, dict[str, Any]]] = []
    by_client: dict[int, tuple[list[float], list[int]]] = {}
    for s in summaries:
        if s.client_id is not None:
            times, ids = by_client.setdefault(s.client_id, ([], []))
            times.append(s.created)
            ids.append(s.id)
        if s.source != "phone":
            continue
        duration = int(min(2400, max(60, lognormal(rng, 300, 0.6))))
        started = s.created - duration - rng.uniform(5, 90)
        calls.append(
            (
                started,
                _call(
                    started,
                    s.client_id,
                    s.created_by,
                    "inbound",
                    "ticket_created",
                    duration,
                    int(rng.expovariate(1 / 30)),
                    f"Se levantó el ticket #{s.id}.",
                    s.id,
                ),
            )
        )
    others = max(0, total - len(calls))
    outcomes = rng.choices(
        list(OTHER_OUTCOMES), cum_weights=list(accumulate(OTHER_OUTCOMES.values())), k=others
    )
    client_cum = list(accumulate(c.weight for c in clients))
    for started, outcome in zip(clock.sample(rng, others, PHONE), outcomes, strict=True):
        client = clients[rng.choices(range(len(clients)), cum_weights=client_cum)[0]]
        client_id = client.id if rng.random() < 0.85 else None
        direction = (
            "outbound" if outcome in ("resolved", "callback") and rng.random() < 0.12 else "inbound"
        )
        wait = int(rng.expovariate(1 / 35))
        operator: int | None = rng.choice(staff)
        if outcome == "abandoned":
            operator, duration, wait = None, 0, int(rng.uniform(20, 300))
        elif outcome == "voicemail":
            operator, duration = None, int(rng.uniform(15, 90))
        else:
            duration = int(min(3600, max(20, lognormal(rng, 240, 0.75))))
        ticket_id = None
        if client_id is not None and (
            outcome == "escalated" or (outcome == "callback" and rng.random() < 0.4)
        ):
            ticket_id = _recent_ticket(by_client.get(client_id), started)
        note = rng.choice(names.CALL_NOTES[outcome])
        calls.append(
            (
                started,
                _call(
                    started,
                    client_id,
                    operator,
                    direction,
                    outcome,
                    duration,
                    wait if direction == "inbound" else None,
                    note,
                    ticket_id,
                ),
            )
        )
    return _numbered(calls, first_id)


def _numbered(timed: list[tuple[float, dict[str, Any]]], first_id: int) -> list[dict[str, Any]]:
    """The rows in time order, numbered from `first_id`."""
    timed.sort(key=lambda t: t[0])
    for i, (_, row) in enumerate(timed):
        row["id"] = first_id + i
    return [row for _, row in timed]


def _recent_ticket(history: tuple[list[float], list[int]] | None, at: float) -> int | None:
    """The client's latest ticket opened in the 14 days before `at`, if any."""
    if not history:
        return None
    times, ids = history
    i = bisect.bisect_left(times, at) - 1
    if i >= 0 and at - times[i] < 14 * 24 * HOUR:
        return ids[i]
    return None


def _call(
    started: float,
    client_id: int | None,
    operator_id: int | None,
    direction: str,
    outcome: str,
    duration: int,
    wait: int | None,
    notes: str,
    ticket_id: int | None,
) -> dict[str, Any]:
    at = to_dt(started)
    return {
        "client_id": client_id,
        "operator_id": operator_id,
        "direction": direction,
        "started_at": at,
        "duration_s": duration,
        "wait_s": wait,
        "outcome": outcome,
        "notes": notes,
        "ticket_id": ticket_id,
        "created_at": at,
        "updated_at": to_dt(started + duration),
    }


def build_visits(
    rng: random.Random,
    clock: Clock,
    candidates: list[VisitCandidate],
    first_id: int,
    calendar: BusinessCalendar,
) -> list[dict[str, Any]]:
    """On-site visits for some hardware/network/telephony tickets, each wholly inside the
    desk's business `calendar` (as the booking rules require); no operator double-booked."""
    busy: dict[int, list[tuple[float, float]]] = {}
    rows: list[dict[str, Any]] = []
    for c in candidates:
        chance = 0.15 if c.client.tier == "enterprise" else 0.07
        if c.category not in VISIT_CATEGORIES or c.state == "cancelled" or rng.random() > chance:
            continue
        length = rng.choice((1.0, 1.5, 2.0, 3.0)) * HOUR
        if c.resolved is None:  # still open: a visit ahead of us
            after = max(clock.end, c.first_response) + rng.uniform(0, 3 * 24 * HOUR)
        else:
            after = c.first_response + rng.uniform(0, 0.5) * (c.resolved - c.first_response)
        start = business_slot(rng, after, length, calendar)
        for _ in range(6):
            if not any(s < start + length and start < e for s, e in busy.get(c.assignee_id, [])):
                break
            start = business_slot(rng, start + length, length, calendar)
        else:
            continue
        if c.resolved is not None and start + length > clock.end:
            continue
        busy.setdefault(c.assignee_id, []).append((start, start + length))
        rows.append(_visit(rng, clock, c, first_id + len(rows), start, length))
    return rows


def _visit(
    rng: random.Random, clock: Clock, c: VisitCandidate, vid: int, start: float, length: float
) -> dict[str, Any]:
    future = start > clock.end
    if future:
        state = "confirmed" if rng.random() < 0.5 else "scheduled"
    else:
        state = rng.choices(("done", "cancelled", "no_show"), weights=(82, 10, 8))[0]
    started = finished = None
    if state == "done":
        started = start + rng.uniform(-600, 1500)
        finished = started + length * rng.uniform(0.7, 1.3)
    created = min(c.first_response, start - HOUR)
    r24, r1 = start - 24 * HOUR, start - HOUR
    return {
        "id": vid,
        "client_id": c.client.id,
        "operator_id": c.assignee_id,
        "ticket_id": c.ticket_id,
        "scheduled_start": to_dt(start),
        "scheduled_end": to_dt(start + length),
        "address": c.client.address,
        "notes": rng.choice(names.VISIT_NOTES),
        "state": state,
        "forced": False,
        "reminder_24h_sent_at": to_dt(r24) if created < r24 <= clock.end else None,
        "reminder_1h_sent_at": to_dt(r1)
        if created < r1 <= clock.end and state != "cancelled"
        else None,
        "started_at": to_dt(started) if started else None,
        "finished_at": to_dt(finished) if finished else None,
        "cancel_reason": "El cliente pidió reprogramar por falta de acceso."
        if state == "cancelled"
        else None,
        "reschedule_count": 1 if rng.random() < 0.1 else 0,
        "created_by_id": c.assignee_id,
        "version": 1,
        "created_at": to_dt(created),
        "updated_at": to_dt(min(finished or created, clock.end)),
    }


def build_watson(
    rng: random.Random, clock: Clock, rows: TicketRows, first_id: int
) -> list[dict[str, Any]]:
    """The Watson conversation behind each Watson ticket, and some status questions."""
    out: list[tuple[float, dict[str, Any]]] = []
    for tid, created, client, ticket in rows.watson_candidates:
        session = f"demo-{rng.getrandbits(48):012x}"
        at = created - rng.uniform(2, 20)
        base = {
            "session_id": session,
            "channel": "orchestrate" if rng.random() < 0.7 else "assistant",
            "user_id": None,
            "user_name": ticket["requester_name"],
            "user_email": ticket["requester_email"],
            "client_id": client.id if client else None,
            "language": "es",
            "status": "ok",
            "error": None,
            "idempotency_key": None,
        }
        out.append(
            (
                at,
                base
                | {
                    "input_text": f"{ticket['title']}. {ticket['description']}",
                    "intent": "create_ticket",
                    "confidence": round(rng.uniform(0.78, 0.99), 3),
                    "entities": {"category": ticket["category"], "priority": ticket["priority"]},
                    "action": "create_ticket",
                    "result": {"ticket_id": tid},
                    "reply_text": f"Listo, registré tu reporte con el folio #{tid}. "
                    "Un especialista te contactará pronto.",
                    "latency_ms": round(rng.uniform(120, 900), 1),
                    "created_at": to_dt(at),
                },
            )
        )
        later = created + rng.uniform(HOUR, 72 * HOUR)
        if rng.random() < 0.4 and later <= clock.end:
            out.append(
                (
                    later,
                    base
                    | {
                        "input_text": f"¿Cómo va mi reporte {tid}?",
                        "intent": "ticket_status",
                        "confidence": round(rng.uniform(0.85, 0.99), 3),
                        "entities": {"ticket_id": tid},
                        "action": "get_ticket",
                        "result": {"ticket_id": tid},
                        "reply_text": f"Tu reporte #{tid} sigue en atención; "
                        "te avisamos al resolverlo.",
                        "latency_ms": round(rng.uniform(80, 500), 1),
                        "created_at": to_dt(later),
                    },
                )
            )
    return _numbered(out, first_id)
