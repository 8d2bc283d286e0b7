"""`uanl seed-demo`: counts, determinism, consistency, idempotency and the credentials file."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.demo.conftest import table_rows, visits_outside_desk_hours
from uanl.core import db as core_db
from uanl.core.config import get_settings
from uanl.core.security import verify_password
from uanl.core.validators import normalise_rfc
from uanl.demo.seed import demo_credentials, seed_database
from uanl.models import Call, Client, Operator, ScheduledVisit, Ticket, TicketEvent, TicketTag
from uanl.tickets.lifecycle import check_transition

TICKETS = 200
TZ = ZoneInfo("America/Monterrey")
# Explicit reference instants: the data never depends on the day the suite runs.
WEDNESDAY = datetime(2026, 12, 2, 17, 30, tzinfo=TZ)
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=TZ)


def _count(model: Any) -> int:
    with core_db.session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_seed_builds_a_consistent_dataset(use_db: Callable[[Path], None], tmp_path: Path) -> None:
    use_db(tmp_path / "a")
    summary = seed_database(tickets=TICKETS, seed=42, days=60, now=WEDNESDAY)
    assert f"{TICKETS} tickets" in summary
    assert "up to 2026-12-02 12:00" in summary

    assert _count(Ticket) == TICKETS
    assert _count(Call) == 3 * TICKETS
    assert _count(Client) == 40
    with core_db.session_scope() as s:
        staff = list(s.scalars(select(Operator)))
        clients = list(s.scalars(select(Client)))
        tickets = list(s.scalars(select(Ticket).order_by(Ticket.id)))
        events = list(s.scalars(select(TicketEvent).order_by(TicketEvent.id)))
        tag_count = s.scalar(select(func.count()).select_from(TicketTag))
    roles = sorted(o.role.value for o in staff)
    assert roles.count("admin") == 1 and roles.count("supervisor") == 1
    assert roles.count("operator") >= 10
    operators = [o for o in staff if o.role.value == "operator"]
    assert all(8 <= o.max_open_tickets <= 15 for o in operators)
    assert any(not o.is_available for o in operators)
    assert all(o.email.endswith("@demo.uanl.mx") for o in staff)

    for client in clients:
        assert client.rfc is not None and len(client.rfc) == 12
        assert normalise_rfc(client.rfc) == client.rfc
        assert re.fullmatch(r"\+52\d{10}", client.phone or "")
    assert len({c.rfc for c in clients}) == len(clients)

    skills = {o.id: set(o.skills) for o in staff}
    by_ticket: dict[int, list[TicketEvent]] = {}
    for e in events:
        by_ticket.setdefault(e.ticket_id, []).append(e)
    for t in tickets:
        state = t.state.value
        if state in ("resolved", "closed"):
            assert t.resolved_at is not None and t.first_responded_at is not None
            assert t.created_at < t.first_responded_at <= t.resolved_at
        else:
            assert t.resolved_at is None
        assert (t.closed_at is not None) == (state == "closed")
        if state == "new":
            assert t.first_responded_at is None
        if state in ("open", "in_progress", "waiting"):
            assert t.assignee_id is not None and t.first_responded_at is not None
        if t.assignee_id is not None:
            assert t.category in skills[t.assignee_id]
        if t.csat_score is not None:
            assert state in ("resolved", "closed") and 1 <= t.csat_score <= 5
        history = by_ticket[t.id]
        assert history[0].kind == "created" and history[0].created_at == t.created_at
        current = "new"
        for e in history[1:]:
            assert e.kind == "updated" and e.created_at >= t.created_at
            if "state" in e.changes:
                before, after = e.changes["state"]
                assert before == current
                check_transition(current, after, resolved_at=t.resolved_at, now=e.created_at)
                current = after
        assert current == state

    states = {t.state.value for t in tickets}
    assert "closed" in states and states & {"new", "open", "in_progress", "waiting"}
    assert {t.priority.value for t in tickets} == {"low", "medium", "high", "urgent"}
    assert tag_count and tag_count > 0
    tz = get_settings().tz
    # The reference day (a Wednesday) has its morning of tickets, and nothing after noon.
    assert any(t.created_at.astimezone(tz).date() == WEDNESDAY.date() for t in tickets)
    noon = WEDNESDAY.replace(hour=12, minute=0)
    assert max(t.created_at for t in tickets) <= noon
    assert max(e.created_at for e in events) <= noon

    # Idempotent: a second run (as `make run` does on every start) adds nothing.
    again = seed_database(tickets=TICKETS, seed=42, days=60, now=WEDNESDAY)
    assert "already" in again
    assert _count(Ticket) == TICKETS and _count(Call) == 3 * TICKETS

    path = tmp_path / "a" / "demo-credentials.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "DEVELOPMENT" in path.read_text().splitlines()[0]
    creds = demo_credentials()
    assert creds is not None
    email, password = creds
    assert email == "admin@demo.uanl.mx"
    by_email = {o.email: o for o in staff}
    assert by_email[email].role.value == "admin"
    assert verify_password(password, by_email[email].password_hash)
    assert by_email["supervisora@demo.uanl.mx"].password_hash == by_email[email].password_hash


def test_same_seed_same_rows_other_seed_other_rows(
    use_db: Callable[[Path], None], tmp_path: Path
) -> None:
    dumps = []
    for name, seed in (("a", 42), ("b", 42), ("c", 7)):
        use_db(tmp_path / name)
        seed_database(tickets=TICKETS, seed=seed, days=30, now=SUNDAY_NIGHT)
        dumps.append(
            {
                model.__tablename__: table_rows(model)
                for model in (Ticket, TicketEvent, TicketTag, Call, Client, ScheduledVisit)
            }
        )
        assert demo_credentials() is not None
    first, second, other = dumps
    assert first == second  # every column, ids included

    def key(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["id"], r["title"], r["priority"], r["state"], r["created_at"]) for r in rows]

    assert key(first["tickets"]) == key(second["tickets"])
    assert key(first["tickets"]) != key(other["tickets"])
    assert [r["rfc"] for r in first["clients"]] != [r["rfc"] for r in other["clients"]]


def test_a_sunday_night_reference_gives_a_dataset_that_ends_before_it(
    use_db: Callable[[Path], None], tmp_path: Path
) -> None:
    """Sunday has (almost) no desk traffic; the data still ends at the reference day's noon."""
    use_db(tmp_path / "sun")
    summary = seed_database(tickets=TICKETS, seed=42, days=60, now=SUNDAY_NIGHT)
    assert "up to 2026-12-06 12:00" in summary
    noon = SUNDAY_NIGHT.replace(hour=12, minute=0)
    with core_db.session_scope() as s:
        created = list(s.scalars(select(Ticket.created_at)))
        calls = list(s.scalars(select(Call.started_at)))
    assert len(created) == TICKETS and max(created) <= noon
    assert max(calls) <= noon
    # The week before it has its tickets (about 3 a day at this size).
    days = {c.astimezone(TZ).date() for c in created}
    assert len({SUNDAY_NIGHT.date() - timedelta(days=n) for n in range(1, 8)} & days) >= 4


def test_seeded_visits_fall_inside_the_desk_business_calendar(
    use_db: Callable[[Path], None], tmp_path: Path
) -> None:
    """Every seeded visit, past or ahead, lies wholly in working time of the desk's calendar
    (the one the booking rules use) in local time: no Saturday afternoons, no holidays, no
    evening overruns. The 75 days before 2026-12-02 include Revolución (Monday 2026-11-16)."""
    use_db(tmp_path / "visits")
    seed_database(tickets=1500, seed=42, days=75, now=WEDNESDAY)
    count, outside = visits_outside_desk_hours()
    assert count >= 30
    assert outside == []
