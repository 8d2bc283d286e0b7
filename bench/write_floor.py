"""How far below `/health` any authenticated, durable write sits on this stack and machine.

Not a test. The issue-2 target asks `POST /tickets/` for half of `/health`'s requests per
second. This script serves the product's app plus one bench-only route (`_floor_app.py`:
authenticate, validate, INSERT one ticket row, commit — nothing else) the way `uanl serve`
does, and in one run measures with `hey`, alternating the endpoints over several rounds:

    GET  /api/v1/health            the trivial endpoint (one SELECT 1)
    GET  /api/v1/auth/me           authentication alone (token + operator row), no write
    POST /api/v1/_bench/min-insert the floor: one authenticated INSERT and its commit
    POST /api/v1/tickets/          the real create (history, audit, SLA, outbox, assignment)

and prints each one's req/s and its ratio to `/health`. Usage (same database and keys as
bench/api_tickets.py; it loads the tickets when the database is new):

    .venv/bin/python bench/write_floor.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_100k
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_tickets as bench  # noqa: E402
from _common import check_keys, use_bench_keys  # noqa: E402
from _floor_app import ROUTE  # noqa: E402

FLOOR_TITLE = "Benchmark floor: la impresora no jala"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=bench.DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=100_000, help="load this many if fewer")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2, help="each endpoint once per round")
    ap.add_argument("--redis-url", help="serve with Redis, as production does")
    args = ap.parse_args()
    if not shutil.which("hey"):
        raise SystemExit("needs hey (Debian package 'hey')")
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} CPUs, {bench.platform_line(args.db_url)}")
    use_bench_keys(args.db_url)
    bench.ensure_database(args.db_url)
    bench.migrate(args.db_url)
    check_keys(args.db_url)
    bench.load(args.db_url, args.tickets)
    password = bench.ensure_admin(args.db_url)

    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    floor_app = str(Path(__file__).resolve().with_name("_floor_app.py"))
    cmd = [sys.executable, floor_app, "--port", str(port), "--workers", str(args.workers)]
    with tempfile.TemporaryDirectory(prefix="uanl-floor-") as data_dir:
        proc = bench.start_server(
            args.db_url, port, args.workers, data_dir, cmd=cmd, redis_url=args.redis_url
        )
        try:
            bench.wait_healthy(base, proc)
            token = httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": bench.ADMIN_EMAIL, "password": password},
                timeout=20,
            ).json()["access_token"]
            rates = measure(base, {"Authorization": f"Bearer {token}"}, args)
        finally:
            bench.stop_server(proc)
    forget_floor_rows(args.db_url)
    report(rates, args)


def measure(base: str, auth: dict[str, str], args: argparse.Namespace) -> dict[str, list[float]]:
    ticket = {
        "title": FLOOR_TITLE,
        "description": "Creado por bench/write_floor.py",
        "priority": "medium",
        "category": "hardware",
        "client_id": 1,
        "source": "api",
    }
    real = json.dumps({**ticket, "title": "Benchmark: la impresora no jala", "tags": ["bench"]})
    endpoints = [
        ("GET /api/v1/health", f"{base}/api/v1/health", "GET", None, None),
        ("GET /api/v1/auth/me", f"{base}/api/v1/auth/me", "GET", auth, None),
        (f"POST {ROUTE}", f"{base}{ROUTE}", "POST", auth, json.dumps(ticket)),
        ("POST /api/v1/tickets/", f"{base}/api/v1/tickets/", "POST", auth, real),
    ]
    for _, url, method, headers, body in endpoints:  # warm pools and code paths
        bench.run_hey(
            "warm", url, requests=200, concurrency=8, method=method, headers=headers, body=body
        )
    rates: dict[str, list[float]] = {name: [] for name, *_ in endpoints}
    for _ in range(args.rounds):
        for name, url, method, headers, body in endpoints:
            result, _shown = bench.run_hey(
                name,
                url,
                duration=args.duration,
                concurrency=args.concurrency,
                method=method,
                headers=headers,
                body=body,
            )
            if result.errors or not result.rps:
                raise SystemExit(f"{name}: {result.errors} failed requests")
            rates[name].append(result.rps)
    return rates


def forget_floor_rows(db_url: str) -> None:
    with psycopg.connect(bench.pg_conninfo(db_url)) as conn:
        conn.execute("DELETE FROM uanl.tickets WHERE title = %s", (FLOOR_TITLE,))


def report(rates: dict[str, list[float]], args: argparse.Namespace) -> None:
    health = statistics.median(rates["GET /api/v1/health"])
    print(
        f"\nhey -c {args.concurrency} -z {args.duration:g}s, {args.rounds} round(s), "
        f"{args.workers} uvicorn processes"
        f"{', REDIS_URL set' if args.redis_url else ', embedded queue'}; "
        "median req/s and ratio to /health"
    )
    print(f"{'endpoint':<36}{'rounds (req/s)':>26}{'median':>10}{'ratio':>8}")
    for name, values in rates.items():
        shown = " / ".join(f"{v:.0f}" for v in values)
        median = statistics.median(values)
        print(f"{name:<36}{shown:>26}{median:>10.1f}{median / health:>8.2f}")


if __name__ == "__main__":
    main()
