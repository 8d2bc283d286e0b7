"""Benchmark of the service core: health vs ticket creation throughput, filtered list latency.

Not a test: it loads a PostgreSQL database with N tickets (COPY), serves the API with
`uanl serve` exactly as production does, drives it with `hey` (or `wrk`/an httpx fallback)
and prints a table of figures. Usage:

    .venv/bin/python bench/api_tickets.py                    # 100k tickets
    .venv/bin/python bench/api_tickets.py --tickets 1000000  # the record

Contact data is encrypted at rest: the script and the server use the keys kept for the
database in `<repo>/.data/bench-<database name>`, or in UANL_BENCH_DATA_DIR (bench/_common.py).
For a database seeded or migrated with another data dir, name that one:

    UANL_BENCH_DATA_DIR=/tmp/benchsmall .venv/bin/python bench/api_tickets.py \
        --db-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_small --tickets 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_keys, orm_session, upsert_admin, use_bench_keys  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench"
ADMIN_EMAIL = "bench-admin@bench.uanl.mx"
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.5
# Old tickets are finished; only the last few days hold the open backlog, as in a real desk.
OLD_STATES = (("closed", 90), ("resolved", 6), ("cancelled", 4))
RECENT_STATES = (("new", 15), ("open", 20), ("in_progress", 30), ("waiting", 15), ("resolved", 20))
RECENT_SECONDS = 3 * 86400
PRIORITIES = (("low", 25), ("medium", 45), ("high", 22), ("urgent", 8))
SOURCES = (("phone", 45), ("email", 20), ("web", 17), ("watson", 11), ("api", 7))


@dataclass
class Result:
    name: str
    rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    ok: int
    errors: int


# --------------------------------------------------------------------------- database


def pg_conninfo(db_url: str, dbname: str | None = None) -> str:
    url = make_url(db_url)
    parts = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": dbname or url.database,
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def ensure_database(db_url: str) -> None:
    name = make_url(db_url).database
    with psycopg.connect(pg_conninfo(db_url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")


def migrate(db_url: str) -> None:
    from uanl.core import migrate as m

    m.upgrade("head", url=db_url)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...], k: int) -> list[str]:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=k)


def _copy_rows(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: Any) -> None:
    quoted = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cur, cur.copy(f"COPY uanl.{table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(db_url: str, target: int) -> tuple[int, float]:
    """Make sure the tickets table holds at least `target` rows; returns (loaded, seconds)."""
    started = time.perf_counter()
    with psycopg.connect(pg_conninfo(db_url)) as conn:
        have = conn.execute("SELECT count(*) FROM uanl.tickets").fetchone()[0]  # type: ignore[index]
        if have >= target:
            return 0, 0.0
        n_clients = conn.execute("SELECT count(*) FROM uanl.clients").fetchone()[0]  # type: ignore[index]
        if n_clients == 0:
            _load_people(db_url)  # committed on its own connection, visible to this one
        client_ids = [r[0] for r in conn.execute("SELECT id FROM uanl.clients")]
        op_rows = conn.execute(
            "SELECT id, skills FROM uanl.operators WHERE role = 'operator'"
        ).fetchall()
        missing = target - have
        print(f"loading {missing:,} tickets with COPY (have {have:,}) ...", flush=True)
        _copy_rows(conn, "tickets", TICKET_COLUMNS, _ticket_rows(missing, client_ids, op_rows))
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('uanl.tickets', 'id'), "
            "(SELECT max(id) FROM uanl.tickets))"
        )
        conn.commit()
    # As autovacuum would: statistics and the visibility map (index-only counts).
    with psycopg.connect(pg_conninfo(db_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) uanl.tickets")
    return missing, time.perf_counter() - started


def _load_people(db_url: str) -> None:
    """500 clients and 40 operators, through the models (contact data sealed and indexed)."""
    from uanl.demo import names
    from uanl.models import Client, ClientTier, Language, Operator, Role

    rng = random.Random(7)
    with orm_session(db_url) as db:
        db.add_all(
            Client(
                name=f"Cliente Benchmark {i + 1}, S.A. de C.V.",
                email=f"contacto{i}@cliente{i}.com.mx",
                tier=ClientTier(rng.choice(("basic", "standard", "premium", "enterprise"))),
                language=Language.es,
            )
            for i in range(500)
        )
        db.add_all(
            Operator(
                name=f"Operador {i + 1}",
                email=f"op{i + 1}@bench.uanl.mx",
                role=Role.operator,
                skills=rng.sample(list(names.SKILLS), 2),
                max_open_tickets=12,
                is_active=True,
                is_available=True,
                language=Language.es,
                password_hash="!",
                is_senior=False,
            )
            for i in range(40)
        )


TICKET_COLUMNS = [
    "title",
    "description",
    "priority",
    "state",
    "category",
    "client_id",
    "assignee_id",
    "source",
    "requester_name",
    "requester_email",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused_minutes",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "assigned_at",
    "escalation_level",
    "version",
    "created_at",
    "updated_at",
]


def _ticket_rows(
    n: int, client_ids: list[int], operators: list[tuple[int, list[str]]]
) -> Iterator[tuple[Any, ...]]:
    from uanl.demo import names

    rng = random.Random(1)
    now = datetime.now(UTC)
    span = 365 * 86400
    by_skill = {s: [o for o, sk in operators if s in sk] or [operators[0][0]] for s in names.SKILLS}
    # COPY bypasses column types: seal the requester's e-mail as an INSERT would (one token,
    # shared by every row, is enough for a benchmark).
    from sqlalchemy.dialects import postgresql

    from uanl.models import Ticket

    email_type = Ticket.__table__.c.requester_email.type
    sealed_email = email_type.process_bind_param("usuario@cliente.com.mx", postgresql.dialect())
    texts = {c: (t, d) for c, (t, d) in names.TICKET_TEXTS.items()}
    categories = list(texts)
    chunk = 50_000
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        old_states = _weighted(rng, OLD_STATES, k)
        recent_states = _weighted(rng, RECENT_STATES, k)
        prios = _weighted(rng, PRIORITIES, k)
        sources = _weighted(rng, SOURCES, k)
        offsets = sorted((rng.random() ** 0.8 * span for _ in range(k)), reverse=True)
        for i in range(k):
            cat = categories[rng.randrange(len(categories))]
            titles, descs = texts[cat]
            created = now - timedelta(seconds=offsets[i])
            state = recent_states[i] if offsets[i] < RECENT_SECONDS else old_states[i]
            done = state in ("resolved", "closed")
            assignee = rng.choice(by_skill[cat]) if state != "new" else None
            fr = created + timedelta(minutes=rng.randint(5, 600)) if state != "new" else None
            resolved = created + timedelta(hours=rng.randint(1, 96)) if done else None
            closed = resolved + timedelta(hours=72) if state == "closed" and resolved else None
            yield (
                rng.choice(titles).format(suc=rng.choice(names.BRANCHES), n=rng.randint(2, 30)),
                rng.choice(descs),
                prios[i],
                state,
                cat,
                rng.choice(client_ids),
                assignee,
                sources[i],
                "Usuario Benchmark",
                sealed_email,
                created + timedelta(hours=1),
                created + timedelta(hours=24),
                0.0,
                fr,
                resolved,
                closed,
                0,
                fr,
                0,
                1,
                created,
                closed or resolved or fr or created,
            )


def ensure_admin(db_url: str) -> str:
    """The bench admin (found by its e-mail's blind index) with a new password; returns it."""
    password = secrets.token_urlsafe(12) + "-Aa1"
    upsert_admin(db_url, ADMIN_EMAIL, "Benchmark Admin", password)
    return password


def sample_ids(db_url: str) -> dict[str, Any]:
    """A busy client and an operator with in-progress work, for realistic filters."""
    with psycopg.connect(pg_conninfo(db_url)) as conn:
        client = conn.execute(
            "SELECT client_id FROM uanl.tickets WHERE client_id IS NOT NULL "
            "GROUP BY client_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        assignee = conn.execute(
            "SELECT assignee_id FROM uanl.tickets WHERE state = 'in_progress' "
            "AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    return {"client_id": client[0] if client else 1, "assignee_id": assignee[0] if assignee else 1}


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_LOGS: dict[int, Path] = {}


def start_server(
    db_url: str,
    port: int,
    workers: int,
    data_dir: str,
    cmd: list[str] | None = None,
    redis_url: str | None = None,
) -> subprocess.Popen[bytes]:
    """`uanl serve` (or `cmd`, served the same way); its environment carries the bench keys
    (`use_bench_keys`). With `redis_url` the server runs as production does (Celery broker,
    dashboard events and the health check on Redis); without it, the embedded queue."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    env |= {
        "DATABASE_URL": db_url,
        "UANL_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters, new every run
        "LOG_LEVEL": "WARNING",
        "UANL_DATA_DIR": data_dir,
        "ACCESS_TOKEN_MINUTES": "60",
        # This measures the API, not the rate limiter (300 requests/minute per token).
        "RATE_LIMIT_ENABLED": "false",
    }
    if cmd is None:
        uanl = str(Path(sys.executable).with_name("uanl"))
        cmd = [uanl, "serve", "--port", str(port), "--workers", str(workers)]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    print("server:", shlex.join(cmd), flush=True)
    # The server's log goes to a file: an unread pipe fills up and stalls the server.
    path = Path(data_dir) / "server.log"
    with path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    _LOGS[proc.pid] = path
    return proc


def _server_log(proc: subprocess.Popen[bytes]) -> str:
    path = _LOGS.get(proc.pid)
    return path.read_text(errors="replace") if path and path.exists() else ""


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = _server_log(proc)
            raise SystemExit(f"server exited with {proc.returncode}:\n{err[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not become healthy in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- load


def run_hey(
    name: str,
    url: str,
    *,
    duration: float | None = None,
    requests: int | None = None,
    concurrency: int,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[Result, str]:
    cmd = ["hey", "-c", str(concurrency), "-m", method]
    cmd += ["-z", f"{duration}s"] if duration else ["-n", str(requests)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if body is not None:
        cmd += ["-T", "application/json", "-d", body]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    pct = dict(re.findall(r"(\d+)% in ([\d.]+) secs", out))
    slowest = re.search(r"Slowest:\s+([\d.]+) secs", out)
    if "99" not in pct and slowest:  # too few samples for hey's 99th percentile line
        pct["99"] = slowest.group(1)
    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    ok = sum(n for c, n in codes.items() if 200 <= c < 300)
    errors = sum(codes.values()) - ok
    if "Error distribution:" in out:
        tail = out.split("Error distribution:", 1)[1]
        errors += sum(int(n) for n in re.findall(r"^\s+\[(\d+)\]\s", tail, re.M))
    shown = shlex.join(
        c if not c.startswith("Authorization") else "Authorization: Bearer …" for c in cmd
    )
    return (
        Result(
            name,
            float(rps.group(1)) if rps else None,
            float(pct["50"]) * 1000 if "50" in pct else None,
            float(pct["99"]) * 1000 if "99" in pct else None,
            ok,
            errors,
        ),
        shown,
    )


async def _httpx_load(
    url: str,
    *,
    duration: float | None,
    requests: int | None,
    concurrency: int,
    method: str,
    headers: dict[str, str],
    body: str | None,
) -> tuple[list[float], int, int, float]:
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0, "left": requests or 0}
    deadline = time.monotonic() + (duration or 1e9)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            if requests is not None:
                if counts["left"] <= 0:
                    return
                counts["left"] -= 1
            t = time.perf_counter()
            try:
                r = await client.request(method, url, headers=headers, content=body)
                good = r.is_success
            except httpx.HTTPError:
                good = False
            latencies.append(time.perf_counter() - t)
            counts["ok" if good else "err"] += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=20) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies, counts["ok"], counts["err"], time.perf_counter() - started


def run_httpx(
    name: str,
    url: str,
    *,
    duration: float | None = None,
    requests: int | None = None,
    concurrency: int,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[Result, str]:
    hdrs = dict(headers or {})
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    lat, ok, err, elapsed = asyncio.run(
        _httpx_load(
            url,
            duration=duration,
            requests=requests,
            concurrency=concurrency,
            method=method,
            headers=hdrs,
            body=body,
        )
    )
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else None
    p50 = statistics.median(lat) * 1000 if lat else None
    shown = f"httpx asyncio client, concurrency {concurrency}, {method} {url}"
    return Result(name, (ok + err) / elapsed if elapsed else None, p50, p99, ok, err), shown


# --------------------------------------------------------------------------- explain


def explain(db_url: str, query: str) -> str:
    """EXPLAIN ANALYZE of the page and the count query the API runs for these filters."""
    from sqlalchemy import func, select
    from sqlalchemy.dialects import postgresql

    from uanl.core.pagination import parse_sort
    from uanl.models import TicketPriority, TicketState
    from uanl.tickets.router import SORTS
    from uanl.tickets.service import list_query

    params = {k: v[-1] for k, v in parse_qs(query).items()}
    multi = parse_qs(query)
    stmt = list_query(
        states=[TicketState(s) for s in multi.get("state", [])] or None,
        priorities=[TicketPriority(p) for p in multi.get("priority", [])] or None,
        assignee_id=int(params["assignee_id"]) if "assignee_id" in params else None,
        client_id=int(params["client_id"]) if "client_id" in params else None,
        created_from=datetime.fromisoformat(params["created_from"])
        if "created_from" in params
        else None,
        created_to=datetime.fromisoformat(params["created_to"]) if "created_to" in params else None,
        q=params.get("q"),
    )
    from uanl.models import Ticket

    order = parse_sort(params.get("sort"), SORTS, "-created_at")
    page = stmt.order_by(*order, Ticket.id.desc()).limit(int(params.get("limit", 50)))
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    out = []
    with psycopg.connect(pg_conninfo(db_url), options="-csearch_path=uanl") as conn:
        for label, q in (("page", page), ("count", count)):
            sql = str(q.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall()
            out.append(f"-- {label} query:\n{sql}\n" + "\n".join(r[0] for r in plan))
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per throughput test")
    ap.add_argument("--concurrency", type=int, default=32, help="connections for throughput")
    ap.add_argument(
        "--latency-seconds", type=float, default=8.0, help="per filtered query (bounds the run)"
    )
    ap.add_argument("--latency-concurrency", type=int, default=1)
    ap.add_argument("--tool", choices=("auto", "hey", "httpx"), default="auto")
    ap.add_argument("--no-explain", action="store_true", help="skip EXPLAIN of slow queries")
    ap.add_argument(
        "--redis-url",
        help="serve as production does, with Redis (e.g. redis://127.0.0.1:6379/9); "
        "default: the embedded queue",
    )
    args = ap.parse_args()
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} CPUs, {platform_line(args.db_url)}")

    tool = args.tool if args.tool != "auto" else ("hey" if shutil.which("hey") else "httpx")
    run = run_hey if tool == "hey" else run_httpx
    print(f"keys: {use_bench_keys(args.db_url)}")
    ensure_database(args.db_url)
    migrate(args.db_url)
    check_keys(args.db_url)
    loaded, secs = load(args.db_url, args.tickets)
    if loaded:
        print(f"loaded {loaded:,} tickets in {secs:.1f} s ({loaded / secs:,.0f} rows/s)")
    password = ensure_admin(args.db_url)
    ids = sample_ids(args.db_url)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="uanl-bench-") as data_dir:
        proc = start_server(args.db_url, port, args.workers, data_dir, redis_url=args.redis_url)
        try:
            wait_healthy(base, proc)
            token = httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": ADMIN_EMAIL, "password": password},
                timeout=20,
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            results, commands = measure(run, base, auth, ids, args)
        finally:
            stop_server(proc)
    report(results, commands, args, tool)
    slow = [r for r in results[2:] if r.p99_ms is not None and r.p99_ms > P99_TARGET_MS]
    if slow and not args.no_explain:
        for r in slow:
            print(f"\n=== p99 {r.p99_ms:.1f} ms > {P99_TARGET_MS} ms: {r.name}")
            print(explain(args.db_url, r.name.split("?", 1)[1]))


def platform_line(db_url: str) -> str:
    import platform

    with psycopg.connect(pg_conninfo(db_url, "postgres")) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return f"{platform.platform()}, Python {platform.python_version()}, PostgreSQL {version}"


def measure(
    run: Any, base: str, auth: dict[str, str], ids: dict[str, Any], args: argparse.Namespace
) -> tuple[list[Result], list[str]]:
    body = json.dumps(
        {
            "title": "Benchmark: la impresora no jala",
            "description": "Creado por bench/api_tickets.py",
            "priority": "medium",
            "category": "hardware",
            "client_id": 1,
            "source": "api",
            "tags": ["bench"],
        }
    )
    health = f"{base}/api/v1/health"
    create = f"{base}/api/v1/tickets/"
    # Warm both endpoints (connection pools, imports) before measuring.
    run("warm", health, duration=2, concurrency=args.concurrency)
    run("warm", create, requests=200, concurrency=8, method="POST", headers=auth, body=body)
    results: list[Result] = []
    commands: list[str] = []
    r, c = run("GET /api/v1/health", health, duration=args.duration, concurrency=args.concurrency)
    results.append(r)
    commands.append(c)
    r, c = run(
        "POST /api/v1/tickets/",
        create,
        duration=args.duration,
        concurrency=args.concurrency,
        method="POST",
        headers=auth,
        body=body,
    )
    results.append(r)
    commands.append(c)
    now = datetime.now(UTC).replace(microsecond=0)
    queries = [
        {"state": "open", "priority": "high", "limit": 50},
        {"client_id": ids["client_id"], "limit": 50},
        {"assignee_id": ids["assignee_id"], "state": "in_progress", "limit": 50},
        {
            "created_from": (now - timedelta(days=60)).isoformat(),
            "created_to": (now - timedelta(days=53)).isoformat(),
            "limit": 50,
        },
        {"q": "impresora", "limit": 50},
        {"sort": "-priority", "limit": 50},
        {"limit": 50},
    ]
    for q in queries:
        qs = urlencode(q)
        r, c = run(
            f"GET /api/v1/tickets/?{qs}",
            f"{create}?{qs}",
            duration=args.latency_seconds,
            concurrency=args.latency_concurrency,
            headers=auth,
        )
        results.append(r)
        commands.append(c)
    return results, commands


def report(results: list[Result], commands: list[str], args: argparse.Namespace, tool: str) -> None:
    def f(v: float | None, fmt: str = "{:.1f}") -> str:
        return fmt.format(v) if v is not None else "-"

    print(
        f"\nload tool: {tool}; server: uanl serve --workers {args.workers}"
        f"{' with REDIS_URL' if args.redis_url else ' (embedded queue)'}; tickets in DB ≥ "
        f"{args.tickets:,}"
    )
    print(
        f"\n{'throughput (c=' + str(args.concurrency) + ', ' + str(args.duration) + ' s)':<60}"
        f"{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'2xx':>8}{'other':>7}"
    )
    for r in results[:2]:
        print(f"{r.name:<60}{f(r.rps):>10}{f(r.p50_ms):>9}{f(r.p99_ms):>9}{r.ok:>8}{r.errors:>7}")
    a, b = results[0].rps, results[1].rps
    if a and b:
        ratio = b / a
        verdict = "meets" if ratio >= RATIO_TARGET else "MISSES"
        print(f"ratio POST/health = {ratio:.2f} ({verdict} the ≥ {RATIO_TARGET} target)")
    title = f"filtered list latency ({args.latency_seconds:g} s each, c={args.latency_concurrency})"
    print(
        f"\n{title:<60}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'2xx':>8}{'other':>7}  target p99 ≤ {P99_TARGET_MS:.0f} ms"
    )
    for r in results[2:]:
        mark = "ok" if r.p99_ms is not None and r.p99_ms <= P99_TARGET_MS else "MISS"
        print(f"{r.name[:60]:<60}{f(r.p50_ms):>9}{f(r.p99_ms):>9}{r.ok:>8}{r.errors:>7}  {mark}")
    print("\nload commands:")
    for c in commands:
        print("  " + c)


if __name__ == "__main__":
    main()
