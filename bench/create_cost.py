"""What one ticket create costs, in process: SQL statements, CPU and wall time.

Not a test, and not a load test (bench/api_tickets.py is that): it migrates a fresh
PostgreSQL database, makes an admin, three available operators and a client, then sends
`POST /api/v1/tickets/` through Starlette's TestClient one at a time (half of them
unassigned, so auto-assignment runs; half assigned) and prints the median statements per
create, CPU ms per create and wall p50/p99. To compare two trees, run the same script with
the other tree on PYTHONPATH:

    .venv/bin/python bench/create_cost.py
    git worktree add /tmp/base <rev>
    PYTHONPATH=/tmp/base/src .venv/bin/python bench/create_cost.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_create"


def fresh_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db-url", default=DEFAULT_URL)
    ap.add_argument("--creates", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    args = ap.parse_args()

    from uanl.core.crypto import generate_key

    os.environ.update(
        UANL_DATA_DIR=tempfile.mkdtemp(prefix="uanl-create-cost-"),
        DATABASE_URL=args.db_url,
        SECRET_KEY=generate_key() + generate_key(),
        DATA_ENCRYPTION_KEYS=generate_key(),
        BLIND_INDEX_KEY=generate_key(),
        UANL_ENV="development",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_ENABLED="false",
    )
    fresh_database(args.db_url)

    from fastapi.testclient import TestClient
    from loguru import logger
    from sqlalchemy import Engine, event

    import uanl
    from uanl.app import create_app
    from uanl.core import db as dbmod
    from uanl.core import migrate
    from uanl.core.security import create_access_token, hash_password
    from uanl.models import Client, Language, Operator, Role

    logger.remove()  # the request log line per create is not what is measured
    print(f"code: {os.path.dirname(uanl.__file__)}")
    migrate.upgrade(url=args.db_url)
    pw = hash_password("Bench-Create-2026")
    with dbmod.session_scope() as db:
        admin = Operator(
            name="Admin",
            email="admin@bench.example",
            role=Role.admin,
            skills=[],
            language=Language.es,
            is_available=False,
            password_hash=pw,
        )
        db.add(admin)
        for i in range(3):
            db.add(
                Operator(
                    name=f"Op {i}",
                    email=f"op{i}@bench.example",
                    role=Role.operator,
                    skills=[],
                    language=Language.es,
                    is_available=True,
                    max_open_tickets=100000,
                    password_hash=pw,
                )
            )
        client = Client(name="Cliente", email="cliente@bench.example", language=Language.es)
        db.add(client)
        db.flush()
        admin_id, client_id = admin.id, client.id
    token = create_access_token(admin_id, "admin").token
    headers = {"Authorization": f"Bearer {token}"}

    statements = [0]
    event.listen(
        Engine,
        "before_cursor_execute",  # every engine: the app may build its own
        lambda *a, **k: statements.__setitem__(0, statements[0] + 1),
    )

    counts, cpu, wall = [], [], []
    with TestClient(create_app(configure_logging=False)) as http:
        for i in range(args.warmup + args.creates):
            body = {
                "title": f"Impresora {i} sin tóner",
                "description": "No imprime",
                "priority": "high",
                "client_id": client_id,
                "category": "hardware",
            }
            if i % 2:  # odd: assigned in the body; even: auto-assigned
                body["assignee_id"] = admin_id
            statements[0] = 0
            c0, w0 = time.process_time(), time.perf_counter()
            r = http.post("/api/v1/tickets/", json=body, headers=headers)
            c1, w1 = time.process_time(), time.perf_counter()
            assert r.status_code == 201, r.text
            if i >= args.warmup:
                counts.append(statements[0])
                cpu.append((c1 - c0) * 1000)
                wall.append((w1 - w0) * 1000)
    wall.sort()
    print(f"creates: {len(wall)}")
    for label, part in (("auto-assigned", counts[0::2]), ("assigned in the body", counts[1::2])):
        print(
            f"statements per create, {label}: median {statistics.median(part)}, "
            f"min {min(part)}, max {max(part)}"
        )
    print(
        f"CPU ms per create: mean {statistics.fmean(cpu):.2f}, median {statistics.median(cpu):.2f}"
    )
    print(f"wall ms: p50 {wall[len(wall) // 2]:.2f}, p99 {wall[int(len(wall) * 0.99) - 1]:.2f}")


if __name__ == "__main__":
    main()
