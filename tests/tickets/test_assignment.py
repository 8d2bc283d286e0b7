"""Automatic assignment: skills, capacity, weighted load, ties, queueing and concurrency."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from tests.conftest import auth_header, make_operator
from tests.servers import serve_app
from tests.workers import running_worker, wait_for
from uanl.core import db as dbmod
from uanl.core.events import AFTER_COMMIT, subscribe
from uanl.models import OPEN_STATES, Operator, Role, Ticket, TicketEvent
from uanl.tickets.assignment import Candidate, choose
from uanl.tickets.events import TicketAssigned

T = "/api/v1/tickets/"


def cand(
    i: int,
    load: int = 0,
    n: int = 0,
    cap: int = 10,
    last: datetime | None = None,
    skills: tuple[str, ...] = (),
) -> Candidate:
    return Candidate(i, n, load, cap, last, skills)


def test_choose_prefers_skill_then_load_then_least_recent():
    early = datetime(2026, 1, 1, tzinfo=UTC)
    late = datetime(2026, 6, 1, tzinfo=UTC)
    pool = [
        cand(1, load=0, skills=("hardware",)),
        cand(2, load=5, skills=("redes",)),
        cand(3, load=2, skills=("redes",)),
    ]
    assert choose(pool, "redes", urgent=False)[0].id == 3
    assert choose(pool, "facturacion", urgent=False)[0].id == 1  # nobody has it: anyone
    tie = [
        cand(1, load=2, n=1, last=late),
        cand(2, load=2, n=1, last=early),
        cand(3, load=2, n=1, last=None),
    ]
    assert choose(tie, None, urgent=False)[0].id == 3  # never assigned first
    assert choose(tie[:2], None, urgent=False)[0].id == 2  # then least recently


def test_choose_respects_capacity_except_for_urgent():
    full = [cand(1, load=8, n=4, cap=4), cand(2, load=6, n=3, cap=3)]
    assert choose(full, None, urgent=False) == (None, False)
    chosen, over = choose(full, None, urgent=True)
    assert chosen is not None and chosen.id == 2 and over is True


def _on_shift(name: str, email: str, **kw):
    return make_operator(name, email, Role.operator, is_available=True, **kw)


def test_create_assigns_skilled_least_loaded_and_history_says_so(client, staff, sup_h):
    a = _on_shift("Ana Redes", "ana@example.mx", skills=["redes"], max_open_tickets=5)
    b = _on_shift("Beto Redes", "beto@example.mx", skills=["redes"], max_open_tickets=5)
    c = _on_shift("Caro HW", "caro@example.mx", skills=["hardware"], max_open_tickets=5)
    got = [
        client.post(
            T, json={"title": f"Falla de red {i}", "category": "redes"}, headers=sup_h
        ).json()["assignee_id"]
        for i in range(4)
    ]
    assert Counter(got) == {a.id: 2, b.id: 2}
    hw = client.post(T, json={"title": "Impresora", "category": "hardware"}, headers=sup_h)
    assert hw.json()["assignee_id"] == c.id
    hist = client.get(f"{T}{hw.json()['id']}/history", headers=sup_h).json()
    assert hist[1]["kind"] == "assigned" and hist[1]["actor_type"] == "system"
    assert hist[1]["changes"]["assignee_id"] == [None, c.id]


def test_priority_weights_the_load(client, staff, sup_h):
    a = _on_shift("Ana", "ana@example.mx")
    b = _on_shift("Beto", "beto@example.mx")
    first = client.post(T, json={"title": "Caída total", "priority": "urgent"}, headers=sup_h)
    urgent_owner = first.json()["assignee_id"]
    other = b.id if urgent_owner == a.id else a.id
    # One urgent (weight 4) outweighs three low tickets (weight 1 each).
    owners = [
        client.post(T, json={"title": f"Menor {i}", "priority": "low"}, headers=sup_h).json()[
            "assignee_id"
        ]
        for i in range(3)
    ]
    assert owners == [other, other, other]


def test_queue_when_nobody_can_take_then_sweep_assigns(client, staff, sup_h, admin_h):
    from uanl.tickets.assignment import assignment_sweep

    a = _on_shift("Ana", "ana@example.mx", max_open_tickets=1)
    t1 = client.post(T, json={"title": "Primero"}, headers=sup_h).json()
    t2 = client.post(T, json={"title": "Segundo"}, headers=sup_h).json()
    assert t1["assignee_id"] == a.id and t2["assignee_id"] is None
    urgent = client.post(T, json={"title": "Urgente", "priority": "urgent"}, headers=sup_h)
    assert urgent.json()["assignee_id"] == a.id  # over capacity: nobody else exists
    note = client.get(f"{T}{urgent.json()['id']}/history", headers=sup_h).json()[1]["note"]
    assert "over capacity" in note
    b = _on_shift("Beto", "beto@example.mx", max_open_tickets=3)
    with dbmod.session_scope() as db:
        assert assignment_sweep(db) == 1
    assert client.get(f"{T}{t2['id']}", headers=sup_h).json()["assignee_id"] == b.id
    with dbmod.session_scope() as db:
        assert assignment_sweep(db) == 0  # nothing left: a second sweep does nothing


def test_manual_assignment_wins_and_unassign_reassigns(client, staff, sup_h):
    a = _on_shift("Ana", "ana@example.mx")
    t = client.post(
        T, json={"title": "Manual", "assignee_id": staff.operator2.id}, headers=sup_h
    ).json()
    assert t["assignee_id"] == staff.operator2.id  # off shift, but a person chose them
    again = client.patch(f"{T}{t['id']}", json={"assignee_id": None}, headers=sup_h).json()
    assert again["assignee_id"] == a.id


def test_deactivated_operator_tickets_go_to_others(client, staff, sup_h, admin_h):
    a = _on_shift("Ana", "ana@example.mx")
    t = client.post(T, json={"title": "De Ana"}, headers=sup_h).json()
    assert t["assignee_id"] == a.id
    b = _on_shift("Beto", "beto@example.mx")
    assert client.delete(f"/api/v1/operators/{a.id}", headers=admin_h).status_code == 204
    assert client.get(f"{T}{t['id']}", headers=sup_h).json()["assignee_id"] == b.id


def test_200_concurrent_creates_from_20_clients_stay_fair_and_within_capacity(app, staff, backend):
    """Creates that find the assignment lock busy hand the ticket to a real worker."""
    ops = [
        _on_shift(f"Op {i}", f"op{i}@example.mx", skills=["redes"], max_open_tickets=25)
        for i in range(8)
    ]
    headers = auth_header(staff.supervisor)

    def worker(base: str, k: int) -> list[int]:
        ids = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            for j in range(10):
                r = c.post(T, json={"title": f"Concurrente {k}-{j}", "category": "redes"})
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
        return ids

    def unassigned() -> int:
        with dbmod.session_scope() as db:
            return int(db.scalar(select(func.count()).where(Ticket.assignee_id.is_(None))) or 0)

    with running_worker(backend.settings, concurrency=2):
        with serve_app(app) as base, ThreadPoolExecutor(20) as pool:
            created = [i for ids in pool.map(lambda k: worker(base, k), range(20)) for i in ids]
        wait_for(lambda: unassigned() == 0, timeout=90)
    assert len(created) == len(set(created)) == 200
    with dbmod.session_scope() as db:
        loads = dict(
            db.execute(
                select(Ticket.assignee_id, func.count())
                .where(Ticket.state.in_(OPEN_STATES))
                .group_by(Ticket.assignee_id)
            ).all()
        )
        assigned_events = db.execute(
            select(TicketEvent.ticket_id, func.count())
            .where(TicketEvent.kind == "assigned")
            .group_by(TicketEvent.ticket_id)
        ).all()
        caps = dict(db.execute(select(Operator.id, Operator.max_open_tickets)).all())
    assert None not in loads  # everything assigned (8 x 25 = 200 places)
    assert all(n == 1 for _, n in assigned_events) and len(assigned_events) == 200
    assert all(loads[i] <= caps[i] for i in loads)
    counts = [loads.get(o.id, 0) for o in ops]
    assert max(counts) - min(counts) <= 1, counts


assignments_heard: list[tuple[int, bool]] = []


def _hear_assignment(event: TicketAssigned) -> None:
    assignments_heard.append((event.ticket_id, event.automatic))


subscribe(TicketAssigned, _hear_assignment, AFTER_COMMIT)


def test_each_assignment_is_published_once(client, staff, sup_h):
    """Auto-assignment on create and after an unassigning update publishes one automatic
    TicketAssigned, and the caller's own assignment one manual: no second event for the
    assignee the subscriber has just set (it cost a wasted notification INSERT per create)."""
    _on_shift("Ana", "ana@example.mx")
    assignments_heard.clear()
    auto = client.post(T, json={"title": "Sin asignar"}, headers=sup_h).json()
    assert assignments_heard == [(auto["id"], True)]
    assignments_heard.clear()
    manual = client.post(
        T, json={"title": "Manual", "assignee_id": staff.operator2.id}, headers=sup_h
    ).json()
    assert assignments_heard == [(manual["id"], False)]
    assignments_heard.clear()
    client.patch(f"{T}{manual['id']}", json={"assignee_id": None}, headers=sup_h)
    assert assignments_heard == [(manual["id"], True)]
