"""Benchmark of the dashboards (issue 6): cold and warm latency of /metrics and every chart.

Not a test. It uses a PostgreSQL database that already holds ~100k+ tickets (see
bench/api_tickets.py), tops the calls up to --calls with COPY, then times each endpoint through
the ASGI app in-process (Starlette TestClient): "cold" = cache dropped before every request
(its p99 over few samples is about the max), "warm" = served from the 5 s cache. Usage:

    .venv/bin/python bench/dashboards.py                 # 500k calls, 200 warm requests each
    .venv/bin/python bench/dashboards.py --warm 500 --cold 10

Contact data is encrypted at rest: the keys are the ones kept for the database in
`<repo>/.data/bench-<database name>` (shared with bench/api_tickets.py), or in
UANL_BENCH_DATA_DIR, e.g. the data dir a database was seeded with:

    UANL_BENCH_DATA_DIR=/tmp/benchsmall .venv/bin/python bench/dashboards.py \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_small
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_keys, upsert_admin, use_bench_keys  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench"
ADMIN_EMAIL = "bench-dash@bench.uanl.mx"
OUTCOMES = (
    ("resolved", 55),
    ("abandoned", 10),
    ("ticket_created", 15),
    ("callback", 8),
    ("transferred", 6),
    ("voicemail", 3),
    ("escalated", 3),
)
# Busy office hours in Monterrey (UTC-6): most calls 8:00-19:00 local.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 11, 9, 10, 11, 10, 8, 6, 4, 3, 2, 2, 1, 1]


def psql_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM uanl.{table}").fetchone()
    return int(row[0]) if row else 0


def _calls(n: int, operators: list[int], clients: list[int]) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(6)
    now = datetime.now(UTC)
    outcomes = [o for o, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    for _ in range(n):
        day = now - timedelta(days=rng.randrange(365))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        started = day.replace(hour=(hour + 6) % 24, minute=rng.randrange(60), second=0)
        if started > now:
            started -= timedelta(days=1)
        outcome = rng.choices(outcomes, weights=weights)[0]
        duration = 0 if outcome == "abandoned" else int(rng.expovariate(1 / 240)) + 20
        yield (
            rng.choice(clients) if clients else None,
            rng.choice(operators) if operators else None,
            "inbound" if rng.random() < 0.8 else "outbound",
            started,
            duration,
            rng.randrange(120),
            outcome,
            started,
            started,
        )


def load_calls(url: str, target: int) -> None:
    with psycopg.connect(psql_url(url)) as conn:
        have = count(conn, "calls")
        print(f"tickets: {count(conn, 'tickets'):,}  calls: {have:,}", flush=True)
        if have >= target:
            return
        operators = [r[0] for r in conn.execute("SELECT id FROM uanl.operators WHERE is_active")]
        clients = [r[0] for r in conn.execute("SELECT id FROM uanl.clients")]
        started = time.perf_counter()
        cols = (
            "client_id, operator_id, direction, started_at, duration_s, wait_s, outcome, "
            "created_at, updated_at"
        )
        with conn.cursor() as cur, cur.copy(f"COPY uanl.calls ({cols}) FROM STDIN") as copy:
            for row in _calls(target - have, operators, clients):
                copy.write_row(row)
        conn.execute("ANALYZE uanl.calls")
        conn.commit()
        took = time.perf_counter() - started
        print(f"loaded {target - have:,} calls with COPY in {took:.1f} s", flush=True)


def bench_admin(url: str) -> tuple[int, str]:
    """The dashboards' admin (its token is minted directly, the password is never used)."""
    password = secrets.token_urlsafe(16)
    return upsert_admin(url, ADMIN_EMAIL, "Bench Dash", password, capacity=10), "admin"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    call: Callable[[], Any], n: int, before: Callable[[], None] | None = None
) -> list[float]:
    out = []
    for _ in range(n):
        if before:
            before()
        start = time.perf_counter()
        resp = call()
        out.append((time.perf_counter() - start) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{resp.request.url} -> {resp.status_code}: {resp.text[:300]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--cold", type=int, default=10)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()

    use_bench_keys(args.db)
    os.environ.update(
        DATABASE_URL=args.db,
        SECRET_KEY=secrets.token_urlsafe(48),
        LOG_LEVEL="WARNING",
        UANL_ENV="development",
        RATE_LIMIT_ENABLED="false",  # the benchmark is one client hammering one endpoint
    )
    os.environ.pop("REDIS_URL", None)
    from uanl.core import migrate

    migrate.upgrade("head", url=args.db)
    check_keys(args.db)
    load_calls(args.db, args.calls)

    from fastapi.testclient import TestClient

    from uanl.app import create_app
    from uanl.core.security import create_access_token
    from uanl.dashboards.events import current_cache

    app = create_app()
    admin_id, role = bench_admin(args.db)
    headers = {"Authorization": f"Bearer {create_access_token(admin_id, role).token}"}
    base = "/api/v1/dashboards"
    targets = [("metrics (today)", f"{base}/metrics"), ("metrics (30 days)", None)]
    today = datetime.now(ZoneInfo(os.environ.get("TIMEZONE", "America/Monterrey"))).date()
    month = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    rows = []
    with TestClient(app) as client:
        names = [c["name"] for c in client.get(f"{base}/charts", headers=headers).json()]
        targets += [(f"chart {n}", f"{base}/charts/{n}") for n in names]
        targets.append(("real-time", f"{base}/real-time"))
        for label, path in targets:
            params = month if path is None else {}
            url = path or f"{base}/metrics"

            def get(url: str = url, params: dict[str, str] = params) -> Any:
                return client.get(url, params=params, headers=headers)

            cold = measure(get, args.cold, before=current_cache().invalidate)
            warm = measure(get, args.warm)
            rows.append((label, pct(cold, 0.5), max(cold), pct(warm, 0.5), pct(warm, 0.99)))

    print()
    print(f"{'endpoint':<38} {'cold p50':>9} {'cold p99':>9} {'warm p50':>9} {'warm p99':>9}")
    for label, c50, cmax, w50, w99 in rows:
        print(f"{label:<38} {c50:>7.1f}ms {cmax:>7.1f}ms {w50:>7.2f}ms {w99:>7.2f}ms")
    print()
    print("| endpoint | cold p50 | cold p99 | warm p50 | warm p99 |")
    print("|---|---:|---:|---:|---:|")
    for label, c50, cmax, w50, w99 in rows:
        print(f"| {label} | {c50:.1f} ms | {cmax:.1f} ms | {w50:.2f} ms | {w99:.2f} ms |")
    worst = max(r[3] for r in rows)
    print(f"\nwarm p50 worst: {worst:.2f} ms (target <= 50 ms)")
    sys.exit(0 if worst <= 50 else 1)


if __name__ == "__main__":
    main()
