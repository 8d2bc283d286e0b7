"""Demo tickets with a lifecycle that is consistent with their age.

Each ticket gets a planned timeline (assignment, first response, work, waiting, resolution,
reopening, closing) drawn from plausible durations; the part after the dataset's "now" is
cut off, so the state, the lifecycle instants and the event history always agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from uanl.demo import names
from uanl.demo.clock import DIGITAL, PHONE, Clock, to_dt
from uanl.demo.lifecycle import (
    HOUR,
    OPEN_STATES,
    SLA_TARGETS,
    Step,
    lognormal,
    plan_steps,
    sla_status,
)
from uanl.demo.people import DemoClient, DemoOperator, ascii_slug, person_name

CATEGORY_WEIGHTS = {
    "redes": 22,
    "hardware": 22,
    "software": 20,
    "facturacion": 14,
    "telefonia": 10,
    "accesos": 12,
}
PRIORITY_WEIGHTS = {"low": 25, "medium": 45, "high": 22, "urgent": 8}
SOURCE_WEIGHTS = {"phone": 45, "email": 20, "web": 17, "watson": 11, "api": 7}
CSAT_WEIGHTS = (3, 5, 12, 30, 50)


@dataclass
class TicketSummary:
    """What the call generator needs to link calls to tickets."""

    id: int
    created: float
    client_id: int | None
    source: str
    created_by: int | None


@dataclass
class VisitCandidate:
    """A ticket that could need an on-site visit."""

    ticket_id: int
    first_response: float
    resolved: float | None
    assignee_id: int
    client: DemoClient
    category: str
    state: str


@dataclass
class _Draft:
    """A ticket being planned: how it opens (given), then its text, requester, tags and the
    steps of its life up to the dataset's "now" (filled in by `_ticket`)."""

    tid: int
    created: float
    source: str
    category: str
    priority: str
    client: DemoClient | None
    title: str = ""
    description: str = ""
    requester: str = ""
    req_email: str = ""
    created_by: int | None = None
    tags: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


@dataclass
class TicketRows:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[TicketSummary] = field(default_factory=list)
    visit_candidates: list[VisitCandidate] = field(default_factory=list)
    watson_candidates: list[tuple[int, float, DemoClient | None, dict[str, Any]]] = field(
        default_factory=list
    )


def _pick(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    return rng.choices(list(weights), cum_weights=list(accumulate(weights.values())), k=k)


class TicketFactory:
    """Builds ticket rows in creation order, tracking each operator's open load."""

    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        operators: list[DemoOperator],
        clients: list[DemoClient],
        first_ids: dict[str, int],
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.clients = clients
        self.client_cum = list(accumulate(c.weight for c in clients))
        staff = [o for o in operators if o.role == "operator"]
        self.call_takers = staff
        self.supervisor = next((o for o in operators if o.role == "supervisor"), None)
        self.by_skill = {s: [o for o in staff if s in o.skills] for s in names.SKILLS}
        self.open_load: dict[int, int] = {o.id: 0 for o in operators}
        self.names = {o.id: o.name for o in operators}
        self.next_event = first_ids["ticket_events"]
        self.next_comment = first_ids["ticket_comments"]
        self.rows = TicketRows()

    def build(self, count: int, first_id: int) -> TicketRows:
        rng = self.rng
        sources = _pick(rng, SOURCE_WEIGHTS, count)
        phone_n = sources.count("phone")
        phone_times = iter(sorted(self.clock.sample(rng, phone_n, PHONE)))
        digital_times = iter(sorted(self.clock.sample(rng, count - phone_n, DIGITAL)))
        planned = [(next(phone_times) if s == "phone" else next(digital_times), s) for s in sources]
        planned.sort(key=lambda p: p[0])
        categories = _pick(rng, CATEGORY_WEIGHTS, count)
        priorities = _pick(rng, PRIORITY_WEIGHTS, count)
        client_idx = rng.choices(range(len(self.clients)), cum_weights=self.client_cum, k=count)
        for i, (created, source) in enumerate(planned):
            client = self.clients[client_idx[i]] if rng.random() > 0.03 else None
            draft = _Draft(first_id + i, created, source, categories[i], priorities[i], client)
            self._ticket(draft)
        return self.rows

    def _assignee(self, category: str, must_be_free: bool) -> DemoOperator | None:
        pool = self.by_skill[category]
        if must_be_free:
            pool = [o for o in pool if o.is_available and self.open_load[o.id] < o.max_open_tickets]
        if not pool:
            return None
        return self.rng.choice(pool)

    def _ticket(self, d: _Draft) -> None:
        rng, end = self.rng, self.clock.end
        titles, descriptions = names.TICKET_TEXTS[d.category]
        d.title = rng.choice(titles).format(suc=rng.choice(names.BRANCHES), n=rng.randint(2, 30))
        d.description = rng.choice(descriptions)
        if d.client is not None and rng.random() < 0.6:
            d.requester, d.req_email = d.client.contact_name, d.client.email
        else:
            d.requester = person_name(rng)
            domain = d.client.domain if d.client else "gmail.com"
            parts = d.requester.split()
            d.req_email = f"{ascii_slug(parts[0])}.{ascii_slug(parts[-2])}@{domain}"
        d.created_by = rng.choice(self.call_takers).id if d.source == "phone" else None
        d.tags = list(dict.fromkeys(rng.sample(names.CATEGORY_TAGS[d.category], rng.randint(0, 2))))
        vip = d.client is not None and d.client.tier in ("premium", "enterprise")
        if vip and rng.random() < 0.5:
            d.tags.append("vip")
        d.tags.sort()

        # Plan the whole life, then cut it at the dataset's "now".
        assignee = self._assignee(d.category, must_be_free=False)
        cancel = rng.random() < 0.03
        d.steps = (
            plan_steps(rng, d.created, d.priority, assignee, self.supervisor, cancel)
            if assignee
            else []
        )
        d.steps = [s for s in d.steps if s[0] <= end]
        final_state = next((v for _, f, v, _ in reversed(d.steps) if f == "state"), "new")
        if final_state in OPEN_STATES and d.steps:
            # Still open now: it must sit with an available operator who has room for it.
            free = self._assignee(d.category, must_be_free=True)
            if free is None:
                d.steps = []  # the backlog: new, unassigned, not yet answered
            else:
                swap = {assignee.id: free.id} if assignee else {}
                d.steps = [
                    (t, f, swap.get(v, v) if f == "assignee_id" else v, swap.get(a, a) if a else a)
                    for t, f, v, a in d.steps
                ]
                self.open_load[free.id] += 1
        self._emit(d)

    def _emit(self, d: _Draft) -> None:
        rng, rows, end = self.rng, self.rows, self.clock.end
        client_id = d.client.id if d.client else None
        initial = {
            "title": d.title,
            "description": d.description,
            "priority": d.priority,
            "category": d.category,
            "client_id": client_id,
            "source": d.source,
            "requester_name": d.requester,
            "requester_email": d.req_email,
        }
        actor_type = {"phone": "operator", "watson": "watson"}.get(d.source, "system")
        created_changes: dict[str, list[Any]] = {
            k: [None, v] for k, v in initial.items() if v is not None
        }
        if d.tags:
            created_changes["tags"] = [None, d.tags]
        self._event(d.tid, d.created_by, actor_type, "created", created_changes, None, d.created)
        current: dict[str, Any] = {"state": "new", "assignee_id": None, "priority": d.priority}
        fr = resolved = closed = reopened = assigned = paused_at = None
        paused_total = 0.0
        reopen_count = updates = 0
        for t, fld, value, actor in d.steps:
            before = current[fld]
            current[fld] = value
            updates += 1
            note = (
                "Asignación automática por habilidad"
                if fld == "assignee_id" and actor is None
                else None
            )
            if fld == "state" and value == "closed" and actor is None:
                note = "Cierre automático a las 72 h de resuelto"
            self._event(
                d.tid,
                actor,
                "operator" if actor else "system",
                "updated",
                {fld: [before, value]},
                note,
                t,
            )
            if fld == "assignee_id":
                assigned = t
            elif fld == "state":
                if value == "open" and before == "new":
                    fr = t
                if before == "waiting" and paused_at is not None:
                    paused_total += t - paused_at
                    paused_at = None
                if value == "waiting":
                    paused_at = t
                if value == "resolved":
                    resolved = t
                if value == "open" and before == "resolved":
                    reopened, resolved = t, None
                    reopen_count += 1
                if value == "closed":
                    closed = t
        state, final_priority = current["state"], current["priority"]
        resp_target, res_target = SLA_TARGETS[final_priority]
        fr_due, res_due = d.created + resp_target, d.created + res_target + paused_total
        last = d.steps[-1][0] if d.steps else d.created
        rows.tickets.append(
            initial
            | {
                "id": d.tid,
                "priority": final_priority,
                "state": state,
                "assignee_id": current["assignee_id"],
                "created_by_id": d.created_by,
                "first_response_due_at": to_dt(fr_due),
                "resolution_due_at": to_dt(res_due),
                "sla_status": sla_status(state, end, fr, resolved, fr_due, res_due, d.created),
                "sla_policy_id": None,
                "sla_paused_at": to_dt(paused_at) if paused_at else None,
                "sla_paused_minutes": round(paused_total / 60, 1),
                "first_responded_at": to_dt(fr) if fr else None,
                "resolved_at": to_dt(resolved) if resolved else None,
                "closed_at": to_dt(closed) if closed else None,
                "reopened_at": to_dt(reopened) if reopened else None,
                "reopen_count": reopen_count,
                "assigned_at": to_dt(assigned) if assigned else None,
                "escalation_level": 0,
                "escalated_at": None,
                "csat_score": None,
                "csat_comment": None,
                "csat_submitted_at": None,
                "version": 1 + updates,
                "created_at": to_dt(d.created),
                "updated_at": to_dt(last),
            }
        )
        if state in ("resolved", "closed") and rng.random() < 0.55:
            weights = CSAT_WEIGHTS if resolved and resolved <= res_due else (12, 15, 25, 28, 20)
            rows.tickets[-1]["csat_score"] = rng.choices(range(1, 6), weights=weights)[0]
            submitted = min(end, (resolved or d.created) + lognormal(rng, 5 * HOUR, 1.0))
            rows.tickets[-1]["csat_submitted_at"] = to_dt(submitted)
            if rng.random() < 0.3:
                rows.tickets[-1]["csat_comment"] = rng.choice(names.CSAT_COMMENTS)
        rows.tags.extend({"ticket_id": d.tid, "tag": tag} for tag in d.tags)
        rows.summaries.append(TicketSummary(d.tid, d.created, client_id, d.source, d.created_by))
        assignee = current["assignee_id"]
        if fr is not None and assignee is not None:
            self._comments(d.tid, fr, last, assignee)
            if d.client is not None:
                final_res = resolved if state in ("resolved", "closed") else None
                rows.visit_candidates.append(
                    VisitCandidate(d.tid, fr, final_res, assignee, d.client, d.category, state)
                )
        if d.source == "watson":
            rows.watson_candidates.append((d.tid, d.created, d.client, initial | {"state": state}))

    def _event(
        self,
        tid: int,
        actor: int | None,
        actor_type: str,
        kind: str,
        changes: dict[str, Any],
        note: str | None,
        at: float,
    ) -> None:
        self.rows.events.append(
            {
                "id": self.next_event,
                "ticket_id": tid,
                "actor_id": actor,
                "actor_type": actor_type,
                "kind": kind,
                "changes": changes,
                "note": note,
                "created_at": to_dt(at),
            }
        )
        self.next_event += 1

    def _comments(self, tid: int, fr: float, last: float, author: int) -> None:
        rng = self.rng
        picks: list[tuple[float, str, bool]] = []
        if rng.random() < 0.4:
            picks.append((fr, rng.choice(names.REPLIES), False))
        if rng.random() < 0.12:
            picks.append(
                (fr + (max(last, fr) - fr) * rng.random(), rng.choice(names.INTERNAL_NOTES), True)
            )
        for at, body, internal in sorted(picks):
            self.rows.comments.append(
                {
                    "id": self.next_comment,
                    "ticket_id": tid,
                    "author_id": author,
                    "author_name": self.names.get(author),
                    "author_email": None,
                    "body": body,
                    "is_internal": internal,
                    "created_at": to_dt(at),
                }
            )
            self.next_comment += 1
