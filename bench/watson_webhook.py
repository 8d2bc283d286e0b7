"""Benchmark of the Watson webhook (message -> ticket) on PostgreSQL, and NLU latency.

Not a test. It migrates a scratch PostgreSQL database, serves the real app with uvicorn on
loopback (tests/servers.serve_app, in-process), sends N distinct ticket requests from C
concurrent clients and prints throughput and latency percentiles (client-side round trip and
the server's own `latency_ms`); then it times `analyze()` over tests/watson/data/*.jsonl.

    .venv/bin/python bench/watson_webhook.py                 # N=400, C=8
    .venv/bin/python bench/watson_webhook.py -n 1000 -c 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_watson"
KEY = "bench-watson-key-" + "k" * 24
CLIENTS = ["Oxxo", "Soriana", "Vitro", "Alfa", "Grupo Lamosa", "Hospital San José"]
TEXTS = [
    "Levanta un ticket urgente para {c}: no hay internet en la sucursal {i}",
    "no jala la impresora de contabilidad del piso {i}",
    "The Wi-Fi is down in building {i}, please open a ticket for {c}",
    "se cayó el sistema de facturación en la caja {i}, es crítico",
    "mi monitor no da imagen, equipo {i}",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def prepare(url: str, data_dir: str) -> Any:
    from tests.conftest import ensure_pg_database, reset_pg_schema
    from uanl.core import migrate

    ensure_pg_database(url)
    reset_pg_schema(url)
    migrate.upgrade(url=url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "UANL_DATA_DIR": data_dir,
            "WATSON_API_KEY": KEY,
            "SECRET_KEY": "bench-secret-" + "s" * 40,
            "LOG_LEVEL": "WARNING",
        }
    )
    from uanl.core.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    from uanl.app import create_app
    from uanl.core import db as dbmod
    from uanl.models import Client

    app = create_app(settings, configure_logging=False)
    with dbmod.session_scope() as db:
        db.add_all(
            Client(name=n, email=f"ti@{i}.mx", address="Monterrey") for i, n in enumerate(CLIENTS)
        )
    return app


async def drive(base: str, n: int, concurrency: int) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            i = queue.get_nowait()
            body = {
                "text": TEXTS[i % len(TEXTS)].format(c=CLIENTS[i % len(CLIENTS)], i=i),
                "session_id": f"bench-{i}",
            }
            t0 = time.perf_counter()
            resp = await client.post(
                "/api/v1/watson/webhook", json=body, headers={"X-API-Key": KEY}
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 200 or resp.json().get("action") != "ticket_created":
                errors += 1

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for i in range(min(10, n)):  # warm-up (model, pools); not counted
            await client.post(
                "/api/v1/watson/analyze", json={"text": f"hola {i}"}, headers={"X-API-Key": KEY}
            )
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


def bench_analysis() -> tuple[int, float, float]:
    from uanl.watson.nlu import analyze, warm_up

    warm_up()
    rows = []
    for path in sorted((ROOT / "tests/watson/data").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    times = []
    for row in rows:
        ref = datetime.fromisoformat(row["reference_time"]) if row.get("reference_time") else None
        t0 = time.perf_counter()
        analyze(row["text"], reference_time=ref, client_names=row.get("clients") or CLIENTS)
        times.append((time.perf_counter() - t0) * 1000)
    return len(rows), pct(times, 0.5), pct(times, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="webhook requests (tickets)")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    n = max(1, min(args.n, 20_000))  # bounded

    from tests.servers import serve_app
    from uanl.core import db as dbmod
    from uanl.models import Ticket, WatsonActivity

    with tempfile.TemporaryDirectory() as data_dir:
        app = prepare(args.database_url, data_dir)
        with serve_app(app) as base:
            elapsed, lat, errors = asyncio.run(drive(base, n, args.c))
        with dbmod.session_scope() as db:
            tickets = db.scalar(select(func.count()).select_from(Ticket))
            server = [
                float(v)
                for v in db.scalars(
                    select(WatsonActivity.latency_ms).where(
                        WatsonActivity.action == "ticket_created"
                    )
                )
                if v is not None
            ]
            version = db.execute(text("show server_version")).scalar()
    rows, a50, a99 = bench_analysis()
    print(
        f"PostgreSQL {version}; {n} webhook requests, {args.c} concurrent clients, "
        "1 uvicorn process"
    )
    print(f"tickets created: {tickets} (errors {errors})")
    print(f"throughput: {n / elapsed:.1f} tickets/s ({elapsed:.2f} s)")
    print(
        f"round trip ms: p50 {pct(lat, 0.5):.1f}  p95 {pct(lat, 0.95):.1f}"
        f"  p99 {pct(lat, 0.99):.1f}"
        f"  max {max(lat):.1f}"
    )
    print(f"server latency_ms (recorded): p50 {pct(server, 0.5):.1f}  p99 {pct(server, 0.99):.1f}")
    print(f"analyze() over {rows} examples: p50 {a50:.2f} ms  p99 {a99:.2f} ms")
    print(f"mean round trip {statistics.mean(lat):.1f} ms")


if __name__ == "__main__":
    main()
