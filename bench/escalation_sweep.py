"""Benchmark of the escalation sweep and the SLA status sweep over 100k open tickets.

Not a test: it (re)creates a PostgreSQL database, migrates it, loads N open tickets with COPY
(by default 3 % breached, 5 % at risk, 92 % fine, plus 3 % waiting on the customer) and
times, each in its own committed transaction:

* a baseline ``SELECT count(*)`` over the same open rows (what one pass over them costs),
* ``escalation_sweep`` over the backlog: a capped first run (``MAX_PER_SWEEP``, worst first),
  then the rest of the ~8 % in one uncapped run (history rows, priority raise and SLA
  recompute, reassignment, notifications), then again at the same instant (must escalate
  nothing) and one minute later,
* ``refresh_statuses`` twice (the second run writes nothing).

Usage:
    .venv/bin/python bench/escalation_sweep.py
    .venv/bin/python bench/escalation_sweep.py --tickets 200000 --db-url postgresql+psycopg://...

The operators are written through the models (contact data encrypted at rest, e-mail blind
index) with the keys kept for the database in `<repo>/.data/bench-<database name>`, or in
UANL_BENCH_DATA_DIR (bench/_common.py).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from uanl.core import db as dbmod
from uanl.core import migrate
from uanl.core.security import hash_password
from uanl.models import Language, Operator, Role
from uanl.sla.service import refresh_statuses
from uanl.tickets import escalation
from uanl.tickets.escalation import escalation_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import use_bench_keys  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_esc"
TARGET_S = 2.0
PRIORITIES = (("low", 25), ("medium", 45), ("high", 22), ("urgent", 8))
TARGETS = {"urgent": (30, 240), "high": (60, 480), "medium": (240, 1620), "low": (480, 2700)}
NOW = datetime.now(UTC).replace(microsecond=0)


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
    engine = dbmod.build_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS uanl CASCADE"))
    engine.dispose()
    migrate.upgrade(url=url)


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def load(factory: sessionmaker[Session], n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    pw = hash_password("Bench-Escalation-2026")
    with factory() as db:
        policy_ids = dict(
            db.execute(
                text("SELECT priority, id FROM sla_policies WHERE client_tier IS NULL")
            ).all()
        )
        op_rows = [("Supervisora", "sup@bench.mx", Role.supervisor, False)]
        op_rows += [(f"Senior {i}", f"senior{i}@bench.mx", Role.operator, True) for i in range(5)]
        op_rows += [(f"Operador {i}", f"op{i}@bench.mx", Role.operator, False) for i in range(60)]
        db.add_all(
            Operator(
                name=name,
                email=email,
                role=role,
                skills=[],
                max_open_tickets=5000,
                is_active=True,
                is_available=True,
                language=Language.es,
                password_hash=pw,
                is_senior=senior,
            )
            for name, email, role, senior in op_rows
        )
        db.commit()
        operator_ids = list(db.scalars(text("SELECT id FROM operators WHERE NOT is_senior")))

    kinds = {"fine": 0, "at_risk": 0, "breached": 0, "waiting": 0}
    columns = (
        "title, description, priority, state, source, assignee_id, created_at, updated_at, "
        "first_response_due_at, resolution_due_at, sla_status, sla_policy_id, sla_paused_at, "
        "sla_paused_minutes, first_responded_at, reopen_count, escalation_level, version"
    )
    engine = factory.kw["bind"]
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur, cur.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:
            for i in range(n):
                priority = weighted(rng, PRIORITIES)
                fr_t, res_t = TARGETS[priority]
                roll = rng.random()
                paused_at = None
                state = rng.choice(("new", "open", "in_progress", "in_progress"))
                if roll < 0.03:
                    kind, due = "breached", NOW - timedelta(minutes=rng.uniform(1, 600))
                elif roll < 0.08:
                    kind, due = "at_risk", NOW + timedelta(minutes=rng.uniform(0.01, 0.18) * res_t)
                elif roll < 0.11:
                    kind, due = "waiting", NOW + timedelta(minutes=rng.uniform(0.3, 1) * res_t)
                    state, paused_at = "waiting", NOW - timedelta(minutes=rng.uniform(1, 60))
                else:
                    kind, due = "fine", NOW + timedelta(minutes=rng.uniform(0.25, 1) * res_t)
                kinds[kind] += 1
                created = due - timedelta(minutes=res_t)
                fr_due = created + timedelta(minutes=fr_t)
                copy.write_row(
                    (
                        f"Ticket de prueba {i}",
                        "",
                        priority,
                        state,
                        "phone",
                        rng.choice(operator_ids),
                        created,
                        created,
                        fr_due,
                        due,
                        "paused" if paused_at else "on_track",
                        policy_ids[priority],
                        paused_at,
                        0.0,
                        created + timedelta(minutes=fr_t * 0.5),
                        0,
                        0,
                        1,
                    )
                )
        conn.commit()
    finally:
        raw.close()
    with engine.begin() as c:
        c.execute(text("ANALYZE"))
    return kinds


def timed(factory: sessionmaker[Session], fn: Callable[[Session], int]) -> tuple[float, int]:
    with factory() as db:
        t = time.perf_counter()
        n = fn(db)
        db.commit()
        return time.perf_counter() - t, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    print(f"database: {make_url(args.db_url).render_as_string(hide_password=True)}")
    print(f"keys: {use_bench_keys(args.db_url)}")
    recreate_database(args.db_url)
    engine = dbmod.configure(url=args.db_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    t = time.perf_counter()
    kinds = load(factory, args.tickets, args.seed)
    print(f"loaded {args.tickets:,} open tickets in {time.perf_counter() - t:.1f} s: {kinds}")

    def count(db: Session) -> int:
        return int(
            db.scalar(
                text(
                    "SELECT count(*) FROM tickets "
                    "WHERE state IN ('new', 'open', 'in_progress', 'waiting')"
                )
            )
            or 0
        )

    # Time spent creating notifications (another module) apart from the sweep's own work.
    emit_s = [0.0]
    real_emit = escalation.emit_for_tickets

    def timed_emit(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_emit(*a, **kw)
        finally:
            emit_s[0] += time.perf_counter() - t

    escalation.emit_for_tickets = timed_emit  # type: ignore[assignment]

    base = [timed(factory, count)[0] for _ in range(5)]
    baseline = statistics.median(base)
    capped = timed(factory, lambda db: escalation_sweep(db, NOW))
    capped_emit, emit_s[0] = emit_s[0], 0.0
    first = timed(factory, lambda db: escalation_sweep(db, NOW, limit=None))
    first_emit = emit_s[0]
    second = [timed(factory, lambda db: escalation_sweep(db, NOW)) for _ in range(3)]
    later = timed(factory, lambda db: escalation_sweep(db, NOW + timedelta(seconds=60)))
    status1 = timed(factory, lambda db: refresh_statuses(db, NOW))
    status2 = timed(factory, lambda db: refresh_statuses(db, NOW))

    again = statistics.median(s[0] for s in second)
    rows = [
        ("baseline SELECT count(*) (median of 5)", baseline, None),
        (f"escalation_sweep, backlog, first {escalation.MAX_PER_SWEEP}", capped[0], capped[1]),
        ("  of which notifications (emit_for_tickets)", capped_emit, None),
        ("  without emit", capped[0] - capped_emit, None),
        ("escalation_sweep, rest of the backlog (no limit)", first[0], first[1]),
        ("  of which notifications (emit_for_tickets)", first_emit, None),
        ("  without emit", first[0] - first_emit, None),
        ("escalation_sweep, same instant again (median of 3)", again, sum(s[1] for s in second)),
        ("escalation_sweep, one minute later", later[0], later[1]),
        ("refresh_statuses, first run", status1[0], status1[1]),
        ("refresh_statuses, again", status2[0], status2[1]),
    ]
    print(f"\n{'step':<52} {'seconds':>8} {'x count':>8} {'rows':>7}")
    for name, secs, n in rows:
        ratio = secs / baseline if baseline else float("nan")
        print(f"{name:<52} {secs:8.3f} {ratio:8.1f} {'' if n is None else n:>7}")
    steady = max(again, later[0])
    verdict = "OK" if max(steady, capped[0]) <= TARGET_S else "OVER TARGET"
    print(
        f"\nfirst run over the backlog {capped[0]:.3f} s, steady-state sweep {steady:.3f} s "
        f"(target <= {TARGET_S:.1f} s each): {verdict}"
    )
    assert sum(s[1] for s in second) == 0, "the second sweep escalated something twice"
    engine.dispose()


if __name__ == "__main__":
    main()
