"""Assignment under load: 1,000 concurrent ticket creates against PostgreSQL.

Starts `uanl serve` and a real `uanl worker` (embedded transport) on a fresh database with
N equally skilled operators, fires the creates from many concurrent clients, waits until
every ticket is assigned, and prints: create throughput (with GET /health in the same run
as the baseline), time until the last ticket is assigned, tickets assigned more than once,
operators above capacity, and the spread of loads (max - min; the target is <= 1).

    .venv/bin/python bench/assignment.py [--tickets 1000] [--concurrency 50] [--operators 10]

The operators are written through the models (contact data encrypted at rest, e-mail blind
index); the script, the server and the worker share the keys kept for the database in
`<repo>/.data/bench-<database name>`, or in UANL_BENCH_DATA_DIR (bench/_common.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import orm_session, use_bench_keys  # noqa: E402
from api_tickets import (  # noqa: E402
    ensure_database,
    free_port,
    migrate,
    pg_conninfo,
    start_server,
    stop_server,
    wait_healthy,
)

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_assign"


def reset(db_url: str, operators: int, capacity: int) -> str:
    from uanl.core.security import hash_password
    from uanl.models import Language, Operator, Role

    ensure_database(db_url)
    with psycopg.connect(pg_conninfo(db_url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS uanl CASCADE")
    migrate(db_url)
    password = secrets.token_urlsafe(12) + "-Aa1"
    digest = hash_password(password)
    rows = [("Bench Admin", "admin@bench.mx", Role.admin, [], 0, False)] + [
        (f"Operador {i}", f"op{i}@bench.mx", Role.operator, ["redes"], capacity, True)
        for i in range(operators)
    ]
    with orm_session(db_url) as db:
        for name, email, role, skills, cap, available in rows:
            db.add(
                Operator(
                    name=name,
                    email=email,
                    role=role,
                    skills=skills,
                    max_open_tickets=cap,
                    is_active=True,
                    is_available=available,
                    language=Language.es,
                    password_hash=digest,
                    is_senior=False,
                )
            )
    return password


def start_worker(db_url: str, data_dir: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "DATABASE_URL": db_url,
        "UANL_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": secrets.token_urlsafe(36),
    }
    uanl = str(Path(sys.executable).with_name("uanl"))
    return subprocess.Popen(
        [uanl, "worker", "--concurrency", "2", "--loglevel", "WARNING"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def fire(
    base: str,
    headers: dict[str, str],
    n: int,
    concurrency: int,
    path: str,
    body: dict[str, Any] | None,
) -> tuple[float, int, int]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    ok = failed = 0

    async def client() -> None:
        nonlocal ok, failed
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as c:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if body is None:
                    r = await c.get(path)
                else:
                    r = await c.post(path, json={**body, "title": f"{body['title']} {i}"})
                if r.status_code < 300:
                    ok += 1
                else:
                    failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - start, ok, failed


def outcome(db_url: str) -> dict[str, Any]:
    with psycopg.connect(pg_conninfo(db_url)) as conn:
        unassigned = conn.execute(
            "SELECT count(*) FROM uanl.tickets WHERE assignee_id IS NULL"
        ).fetchone()
        loads = conn.execute(
            "SELECT o.id, o.max_open_tickets, count(t.id) FROM uanl.operators o "
            "LEFT JOIN uanl.tickets t ON t.assignee_id = o.id WHERE o.role = 'operator' "
            "GROUP BY o.id ORDER BY o.id"
        ).fetchall()
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT ticket_id FROM uanl.ticket_events "
            "WHERE kind = 'assigned' GROUP BY ticket_id HAVING count(*) > 1) x"
        ).fetchone()
    counts = [n for _, _, n in loads]
    return {
        "unassigned": unassigned[0] if unassigned else -1,
        "loads": counts,
        "over_capacity": sum(1 for _, cap, n in loads if n > cap),
        "assigned_twice": twice[0] if twice else -1,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db-url", default=DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--operators", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    args = ap.parse_args()
    capacity = args.tickets  # capacity is not what this measures
    use_bench_keys(args.db_url)
    password = reset(args.db_url, args.operators, capacity)
    data_dir = tempfile.mkdtemp(prefix="uanl-bench-assign-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.db_url, port, args.workers, data_dir)
    worker = start_worker(args.db_url, data_dir)
    try:
        wait_healthy(base, server)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "admin@bench.mx", "password": password}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        health_s, health_ok, _ = asyncio.run(
            fire(base, headers, args.tickets, args.concurrency, "/api/v1/health", None)
        )
        body = {"title": "Sin red en sucursal", "category": "redes", "priority": "medium"}
        create_s, created, failed = asyncio.run(
            fire(base, headers, args.tickets, args.concurrency, "/api/v1/tickets/", body)
        )
        settle_start = time.perf_counter()
        while outcome(args.db_url)["unassigned"] > 0 and time.perf_counter() - settle_start < 300:
            time.sleep(0.2)
        settled_s = create_s + time.perf_counter() - settle_start
        result = outcome(args.db_url)
    finally:
        stop_server(server)
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:  # warm shutdown waits for queued notifications
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    loads = result["loads"]
    print(
        f"\n{args.tickets} creates, {args.concurrency} concurrent clients, "
        f"{args.operators} equally skilled operators, {args.workers} API processes, "
        f"1 worker (2 processes), PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(f"{'GET /api/v1/health (baseline)':40} {health_ok / health_s:8.1f} req/s")
    print(
        f"{'POST /api/v1/tickets/':40} {created / create_s:8.1f} req/s   "
        f"({created} created, {failed} failed; "
        f"ratio {created / create_s / (health_ok / health_s):.2f})"
    )
    print(
        f"{'all assigned after':40} {settled_s:8.2f} s      "
        f"({result['unassigned']} still unassigned)"
    )
    print(f"{'tickets assigned more than once':40} {result['assigned_twice']:8d}")
    print(f"{'operators above capacity':40} {result['over_capacity']:8d}")
    print(f"{'loads per operator':40} {loads}")
    print(f"{'fairness spread (max - min)':40} {max(loads) - min(loads):8d}   (target <= 1)")


if __name__ == "__main__":
    main()
