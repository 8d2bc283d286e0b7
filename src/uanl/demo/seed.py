"""`uanl seed-demo`: a realistic, deterministic Mexican service-desk dataset.

The same seed and reference instant (`now`, default the clock; same local day and hour in
the configured TIMEZONE) give identical rows, ids included, on a fresh database: every random
draw comes from one `random.Random(seed)` and every instant from a fixed anchor (the day's
date, data up to 12:00 local). Visits fall inside the desk's business calendar. Rows go in with
SQLAlchemy Core executemany in batches, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import chain
from time import perf_counter
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from uanl.core.config import get_settings
from uanl.core.crypto import EncryptedText, blind_index
from uanl.core.db import session_scope
from uanl.core.security import hash_password
from uanl.demo.activity import build_calls, build_visits, build_watson
from uanl.demo.clock import Clock, reference_day, to_dt
from uanl.demo.credentials import credentials_path, demo_credentials, ensure_demo_password
from uanl.demo.lifecycle import OPEN_STATES
from uanl.demo.people import DemoClient, DemoOperator, build_clients, build_operators
from uanl.demo.tickets import TicketFactory
from uanl.models import (
    Call,
    Client,
    Operator,
    ScheduledVisit,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketTag,
    WatsonActivity,
)
from uanl.visits.scheduling import desk_calendar

__all__ = ["demo_credentials", "seed_database"]

BATCH = 5_000
CALLS_PER_TICKET = 3
ID_TABLES: dict[str, Table] = {
    m.__tablename__: m.__table__  # type: ignore[misc]
    for m in (
        Operator,
        Client,
        Ticket,
        TicketEvent,
        TicketComment,
        Call,
        ScheduledVisit,
        WatsonActivity,
    )
}


def seed_database(
    tickets: int = 2000,
    seed: int = 42,
    days: int = 120,
    force: bool = False,
    *,
    now: datetime | None = None,
    today: date | None = None,
    calls_per_ticket: float = CALLS_PER_TICKET,
) -> str:
    """Load the demo dataset and return a one-paragraph summary for the CLI.

    `now` is the reference instant (aware; default: the clock): the history covers the
    `days` before its local day and that day up to 12:00, or up to its hour when earlier, so
    no row lies after it. `today` instead anchors on that whole day (data up to 12:00).
    """
    if tickets < 0 or days < 1 or calls_per_ticket < 0:
        raise ValueError("tickets and calls_per_ticket must be >= 0 and days >= 1")
    if now is not None and today is not None:
        raise ValueError("give either now or today, not both")
    settings = get_settings()
    today, end_hour = reference_day(now, today, settings.tz)
    started = perf_counter()
    with session_scope() as db:
        if db.scalar(select(Ticket.id).limit(1)) is not None and not force:
            return (
                "The database already has tickets: demo data not seeded again "
                "(use --force to add another demo batch)."
            )
        password_hash = hash_password(ensure_demo_password())  # argon2 is slow: hash once
        rng = random.Random(seed)
        operators = build_operators(rng)
        clients = build_clients(rng)
        new_ops = _assign_ids(db, Operator.__table__, "email", operators)  # type: ignore[arg-type]
        new_clients = _assign_ids(db, Client.__table__, "rfc", clients)  # type: ignore[arg-type]
        clock = Clock(today, days, settings.tz, end_hour)
        # Accounts and companies "exist" a month before the history starts.
        joined = {"created_at": to_dt(clock.start - 30 * 86400)}
        joined["updated_at"] = joined["created_at"]
        _insert(db, Operator.__table__, (_operator_row(o, password_hash) | joined for o in new_ops))  # type: ignore[arg-type]
        _insert(db, Client.__table__, (_client_row(c) | joined for c in new_clients))  # type: ignore[arg-type]

        first = {name: _next_id(db, table) for name, table in ID_TABLES.items()}
        rows = TicketFactory(rng, clock, operators, clients, first).build(tickets, first["tickets"])
        calls = build_calls(
            rng,
            clock,
            round(calls_per_ticket * tickets),
            rows.summaries,
            operators,
            clients,
            first["calls"],
        )
        # Visits follow the calendar the booking rules check (default row, else Mexico's).
        years = range(clock.dates[0].year, today.year + 2)
        desk = desk_calendar(db, years).calendar
        visits = build_visits(rng, clock, rows.visit_candidates, first["scheduled_visits"], desk)
        watson = build_watson(rng, clock, rows, first["watson_activities"])

        _insert(db, Ticket.__table__, rows.tickets)  # type: ignore[arg-type]
        _insert(db, TicketTag.__table__, rows.tags)  # type: ignore[arg-type]
        _insert(db, TicketEvent.__table__, rows.events)  # type: ignore[arg-type]
        _insert(db, TicketComment.__table__, rows.comments)  # type: ignore[arg-type]
        _insert(db, Call.__table__, calls)  # type: ignore[arg-type]
        _insert(db, ScheduledVisit.__table__, visits)  # type: ignore[arg-type]
        _insert(db, WatsonActivity.__table__, watson)  # type: ignore[arg-type]
        if db.get_bind().dialect.name == "postgresql":
            _sync_sequences(db)

    states = Counter(t["state"] for t in rows.tickets)
    open_count = sum(states[s] for s in OPEN_STATES)
    staff = Counter(o.role for o in operators)
    return (
        f"Demo data seeded in {perf_counter() - started:.1f} s (seed {seed}; {days} days up to "
        f"{today.isoformat()} {end_hour:02d}:00 {settings.timezone}): "
        f"{len(new_ops)} new staff accounts ({staff['operator']} operators, "
        f"{staff['supervisor']} supervisor, {staff['admin']} admin), {len(new_clients)} new "
        f"client companies, {len(rows.tickets)} tickets ({open_count} open, "
        f"{states['resolved'] + states['closed']} resolved or closed), {len(calls)} calls, "
        f"{len(rows.events)} ticket events, {len(rows.comments)} comments, {len(visits)} "
        f"visits, {len(watson)} Watson activities. Log in as admin@demo.uanl.mx, "
        f"supervisora@demo.uanl.mx or an operator (<nombre>.<apellido>@demo.uanl.mx); the "
        f"shared DEVELOPMENT password is in {credentials_path()} (`uanl demo-credentials`)."
    )


def _next_id(db: Session, table: Table) -> int:
    return int(db.scalar(select(func.max(table.c.id))) or 0) + 1


def _assign_ids(
    db: Session, table: Table, key: str, people: Sequence[DemoOperator | DemoClient]
) -> list[Any]:
    """Reuse the ids of accounts/companies already present (by e-mail or RFC); number the rest.

    E-mail and RFC are encrypted: the lookup goes through their blind indexes.
    """
    digests = {id(p): blind_index(key, getattr(p, key)) for p in people}
    column = table.c[f"{key}_bidx"]
    existing = dict(
        db.execute(select(column, table.c.id).where(column.in_(set(digests.values())))).all()
    )
    next_id = _next_id(db, table)
    fresh = []
    for person in people:
        found = existing.get(digests[id(person)])
        if found is not None:
            person.id = found
        else:
            person.id = next_id
            next_id += 1
            fresh.append(person)
    return fresh


def _operator_row(o: DemoOperator, password_hash: str) -> dict[str, Any]:
    return {
        "id": o.id,
        "name": o.name,
        "email": o.email,
        "email_bidx": blind_index("email", o.email),
        "phone": o.phone,
        "role": o.role,
        "skills": o.skills,
        "max_open_tickets": o.max_open_tickets,
        "is_active": True,
        "is_available": o.is_available,
        "language": "es",
        "password_hash": password_hash,
        "last_login_at": None,
        "last_assigned_at": None,
        "is_senior": o.is_senior,
    }


def _client_row(c: DemoClient) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "rfc": c.rfc,
        "rfc_bidx": blind_index("rfc", c.rfc),
        "contact_name": c.contact_name,
        "email": c.email,
        "email_bidx": blind_index("email", c.email),
        "phone": c.phone,
        "address": c.address,
        "tier": c.tier,
        "language": c.language,
        "notes": c.notes,
    }


def _insert(db: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    if db.get_bind().dialect.name == "postgresql":
        _copy(db, table, rows)
        return
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            db.execute(insert(table), batch)
            batch = []
    if batch:
        db.execute(insert(table), batch)


def _copy(db: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """PostgreSQL COPY in the session's transaction: several times faster than executemany."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    # COPY skips Python-side column defaults; supply them like an INSERT would.
    defaults: dict[str, Any] = {}
    for col in table.c:
        if col.name not in first and col.default is not None and col.default.is_scalar:
            defaults[col.name] = col.default.arg  # type: ignore[attr-defined]
    columns = list(first) + list(defaults)
    json_cols = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON | JSONB)]
    # COPY bypasses column types: seal the encrypted columns as an INSERT would.
    sealed: list[tuple[int, EncryptedText]] = [
        (i, type_)
        for i, c in enumerate(columns)
        if isinstance(type_ := table.c[c].type, EncryptedText)
    ]
    dialect = db.get_bind().dialect
    raw = db.connection().connection.driver_connection
    assert raw is not None
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in chain((first,), iterator):
            values = [row[c] if c in row else defaults[c] for c in columns]
            for i in json_cols:
                values[i] = Jsonb(values[i])
            for i, type_ in sealed:
                values[i] = type_.process_bind_param(values[i], dialect)
            copy.write_row(values)


def _sync_sequences(db: Session) -> None:
    """Explicit ids bypass the serial sequences; move them past the highest id."""
    for name in ID_TABLES:
        db.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 1), "
                f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"
            )
        )
