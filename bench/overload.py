"""Overload tells the truth (issue 12, item 6): latency at 32 connections and a burst of
concurrent creates against `uanl serve --workers 2` on PostgreSQL.

Not a test. In one run it serves the app the way production does (bench/api_tickets.py's
server, rate limits off so that only overload can refuse a request) and:

(a) with `hey`, alternating over --rounds rounds: `GET /api/v1/health` at --concurrency
    connections, `POST /api/v1/tickets/` at --concurrency connections, and `/health` at 4
    connections while creates run at --concurrency (health under load); prints p50/p99 and
    the targets (health p99 ≤ 100 ms, create p99 ≤ 500 ms at 32 connections);
(b) --bursts times, --burst creates fired at once (httpx asyncio, one connection each) and
    counts: 201s, rows actually in the database afterwards (must equal the 201s), the other
    statuses with and without Retry-After, and how many say "database unavailable" (must
    be 0). Then the same burst against a second server started with a small admission queue
    (--shed-env, default MAX_QUEUED=10 QUEUE_TIMEOUT_S=0.5), so that some requests are
    refused and the refusals can be checked (503 busy + Retry-After, no row written).

Usage (the database is created, migrated and loaded with --tickets rows when new):

    .venv/bin/python bench/overload.py
    .venv/bin/python bench/overload.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_tickets as bench  # noqa: E402
from _common import check_keys, use_bench_keys  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_overload"
HEALTH_P99_TARGET_MS = 100.0
CREATE_P99_TARGET_MS = 500.0
UNAVAILABLE = "database is unavailable"


@dataclass
class Burst:
    label: str
    statuses: Counter[int] = field(default_factory=Counter)
    with_retry_after: Counter[int] = field(default_factory=Counter)
    problem_types: Counter[str] = field(default_factory=Counter)
    unavailable: int = 0
    no_response: int = 0
    rows: int = 0
    seconds: float = 0.0
    p99_ms: float = 0.0

    @property
    def created(self) -> int:
        return self.statuses[201]

    @property
    def truthful(self) -> bool:
        others = sum(n for s, n in self.statuses.items() if s != 201)
        refusals_ok = all(
            s in (429, 503) and self.with_retry_after[s] == n
            for s, n in self.statuses.items()
            if s != 201
        )
        return (
            self.rows == self.created
            and self.unavailable == 0
            and self.no_response == 0
            and (others == 0 or refusals_ok)
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=20_000, help="load this many if fewer")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per hey measurement")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2, help="each latency measurement per round")
    ap.add_argument("--burst", type=int, default=200, help="creates fired at once")
    ap.add_argument("--bursts", type=int, default=2, help="bursts per server")
    ap.add_argument(
        "--shed-env",
        default="MAX_QUEUED=10 QUEUE_TIMEOUT_S=0.5",
        help="settings of the second server's burst ('' = skip it)",
    )
    ap.add_argument(
        "--server-env",
        action="append",
        help="settings of a server, e.g. 'MAX_INFLIGHT=6'; repeat to compare several, served "
        "at once with their rounds alternating (default: one server, the app's defaults)",
    )
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
    run_id = secrets.token_hex(4)

    configs = args.server_env or [""]
    with ExitStack() as stack:
        servers = [
            (env or "defaults", *stack.enter_context(served(args, password, _env(env))))
            for env in configs
        ]
        latency = measure_latency(servers, args)
        bursts = [
            fire_burst(base, auth, args, f"{label} #{n + 1}", f"{run_id}-d{k}{n}")
            for n in range(args.bursts)
            for k, (label, base, auth) in enumerate(servers)
        ]
    shed_env = _env(args.shed_env)
    if shed_env:
        with served(args, password, shed_env) as (base, auth):
            bursts += [
                fire_burst(base, auth, args, f"{args.shed_env} #{n + 1}", f"{run_id}-s{n}")
                for n in range(args.bursts)
            ]
    for b in bursts:
        b.rows = count_rows(args.db_url, f"{run_id}-", b)
    report(latency, bursts, args)


def _env(settings: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in settings.split())


class served:
    """`uanl serve --workers N` on the bench database, with `extra_env`; yields (base, auth)."""

    def __init__(self, args: argparse.Namespace, password: str, extra_env: dict[str, str]):
        self.args, self.password, self.extra_env = args, password, extra_env

    def __enter__(self) -> tuple[str, dict[str, str]]:
        saved = {k: os.environ.get(k) for k in self.extra_env}
        os.environ.update(self.extra_env)  # start_server passes the environment on
        port = bench.free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="uanl-overload-")
        try:
            self.proc = bench.start_server(self.args.db_url, port, self.args.workers, self.tmp.name)
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        if self.extra_env:
            print("  with", " ".join(f"{k}={v}" for k, v in self.extra_env.items()))
        bench.wait_healthy(self.base, self.proc)
        token = httpx.post(
            f"{self.base}/api/v1/auth/token",
            data={"username": bench.ADMIN_EMAIL, "password": self.password},
            timeout=20,
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        # Warm both processes' pools and code paths.
        bench.run_hey(
            "warm", f"{self.base}/api/v1/health", requests=200, concurrency=8, method="GET"
        )
        body = json.dumps({"title": "overload warm-up", "priority": "medium", "client_id": 1})
        bench.run_hey(
            "warm",
            f"{self.base}/api/v1/tickets/",
            requests=100,
            concurrency=8,
            method="POST",
            headers=auth,
            body=body,
        )
        return self.base, auth

    def __exit__(self, *exc: object) -> None:
        bench.stop_server(self.proc)
        self.tmp.cleanup()


def _create_body(title: str) -> str:
    return json.dumps(
        {
            "title": title,
            "description": "Creado por bench/overload.py",
            "priority": "medium",
            "category": "hardware",
            "client_id": 1,
            "source": "api",
            "tags": ["bench"],
        }
    )


ENDPOINTS = ("GET /api/v1/health c={c}", "POST /api/v1/tickets/ c={c}")
UNDER_LOAD = "GET /api/v1/health c=4 during creates c={c}"


def measure_latency(
    servers: list[tuple[str, str, dict[str, str]]], args: argparse.Namespace
) -> dict[str, dict[str, list[bench.Result]]]:
    """Per server label: per measurement, one result per round (servers alternate)."""
    out: dict[str, dict[str, list[bench.Result]]] = {}
    for _ in range(args.rounds):
        for label, base, auth in servers:
            got = measure_round(base, auth, args)
            for name, result in got.items():
                out.setdefault(label, {}).setdefault(name, []).append(result)
    return out


def measure_round(
    base: str, auth: dict[str, str], args: argparse.Namespace
) -> dict[str, bench.Result]:
    health, create = f"{base}/api/v1/health", f"{base}/api/v1/tickets/"
    body = _create_body("overload latency: la impresora no jala")
    c = args.concurrency
    names = [n.format(c=c) for n in (*ENDPOINTS, UNDER_LOAD)]
    out: dict[str, bench.Result] = {}
    r, _ = bench.run_hey(names[0], health, duration=args.duration, concurrency=c)
    out[names[0]] = r
    r, _ = bench.run_hey(
        names[1], create, duration=args.duration, concurrency=c, method="POST",
        headers=auth, body=body,
    )  # fmt: skip
    out[names[1]] = r
    load = threading.Thread(
        target=bench.run_hey,
        args=("load", create),
        kwargs={
            "duration": args.duration + 1,
            "concurrency": c,
            "method": "POST",
            "headers": auth,
            "body": body,
        },
    )
    load.start()
    time.sleep(0.5)  # let the creates ramp up first
    r, _ = bench.run_hey(names[2], health, duration=args.duration, concurrency=4)
    load.join()
    out[names[2]] = r
    return out


def fire_burst(
    base: str, auth: dict[str, str], args: argparse.Namespace, label: str, tag: str
) -> Burst:
    result = Burst(label)
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient, n: int, go: asyncio.Event) -> None:
        await go.wait()
        started = time.perf_counter()
        try:
            resp = await client.post(
                f"{base}/api/v1/tickets/", headers=auth, content=_create_body(f"{tag}-{n}")
            )
        except httpx.HTTPError:
            result.no_response += 1
            return
        latencies.append(time.perf_counter() - started)
        result.statuses[resp.status_code] += 1
        if "retry-after" in resp.headers:
            result.with_retry_after[resp.status_code] += 1
        if resp.status_code != 201:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"type": resp.text[:60]}
            result.problem_types[str(problem.get("type", "?")).rsplit("/", 1)[-1]] += 1
            if UNAVAILABLE in str(problem.get("detail", "")).lower():
                result.unavailable += 1

    async def run() -> None:
        limits = httpx.Limits(max_connections=args.burst, max_keepalive_connections=0)
        headers = {"Content-Type": "application/json"}
        async with httpx.AsyncClient(limits=limits, timeout=120, headers=headers) as client:
            go = asyncio.Event()
            tasks = [asyncio.create_task(one(client, n, go)) for n in range(args.burst)]
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            go.set()
            await asyncio.gather(*tasks)
            result.seconds = time.perf_counter() - started

    asyncio.run(run())
    latencies.sort()
    if latencies:
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    result.label = f"{label} [{tag}]"
    return result


def count_rows(db_url: str, prefix: str, burst: Burst) -> int:
    tag = burst.label.rsplit("[", 1)[1].rstrip("]")
    assert tag.startswith(prefix)
    with psycopg.connect(bench.pg_conninfo(db_url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM uanl.tickets WHERE title LIKE %s", (f"{tag}-%",)
        ).fetchone()
    return int(row[0]) if row else 0


def report(
    latency: dict[str, dict[str, list[bench.Result]]],
    bursts: list[Burst],
    args: argparse.Namespace,
) -> None:
    def p99s(results: list[bench.Result]) -> list[float]:
        return [r.p99_ms for r in results if r.p99_ms is not None]

    print(
        f"\n(a) hey -z {args.duration:g}s, {args.rounds} round(s), uanl serve --workers "
        f"{args.workers}, embedded queue, rate limits off"
    )
    c = args.concurrency
    names = [n.format(c=c) for n in ENDPOINTS]
    targets = dict(zip(names, (HEALTH_P99_TARGET_MS, CREATE_P99_TARGET_MS), strict=True))
    first: dict[str, float] = {}
    for label, measured in latency.items():
        print(f"\nserver: {label}")
        print(f"{'endpoint':<44}{'p50 ms':>18}{'p99 ms (rounds)':>24}{'req/s':>20}{'non-2xx':>9}")
        for name, results in measured.items():
            p50 = " / ".join(f"{r.p50_ms:.0f}" for r in results if r.p50_ms is not None)
            p99 = " / ".join(f"{v:.0f}" for v in p99s(results))
            rps = " / ".join(f"{r.rps:.0f}" for r in results if r.rps)
            errors = sum(r.errors for r in results)
            print(f"{name:<44}{p50:>18}{p99:>24}{rps:>20}{errors:>9}")
        for name, target in targets.items():
            values = p99s(measured[name])
            worst = max(values, default=float("inf"))
            median = statistics.median(values or [float("inf")])
            verdict = "meets" if worst <= target else "MISSES"
            ratio = f", {median / first[name]:.2f}× the first server's" if name in first else ""
            first.setdefault(name, median)
            print(
                f"  {name}: p99 worst {worst:.0f} ms, median {median:.0f} ms{ratio} — "
                f"{verdict} the ≤ {target:.0f} ms target"
            )

    print(f"\n(b) {args.burst} creates at once (httpx asyncio, one connection each)")
    print(
        f"{'burst':<52}{'201':>5}{'rows':>6}{'other (Retry-After/all)':>26}"
        f"{'unavail.':>9}{'no resp':>8}{'s':>6}{'p99 ms':>8}  truthful"
    )
    for b in bursts:
        other = ", ".join(
            f"{s}: {b.with_retry_after[s]}/{n}" for s, n in sorted(b.statuses.items()) if s != 201
        )
        print(
            f"{b.label:<52}{b.created:>5}{b.rows:>6}{other or '-':>26}{b.unavailable:>9}"
            f"{b.no_response:>8}{b.seconds:>6.1f}{b.p99_ms:>8.0f}  "
            f"{'yes' if b.truthful else 'NO'}"
        )
        if b.problem_types:
            print(f"{'':<4}problem types: {dict(b.problem_types)}")
    print(
        "targets: 0 'database unavailable'; every 201 a row; every non-201 a 429/503 with "
        f"Retry-After — {'met' if all(b.truthful for b in bursts) else 'NOT met'} in every burst"
    )


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    try:
        main()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{exc.cmd[0]} failed: {exc.stderr or exc}") from None
