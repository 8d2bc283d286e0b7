"""Benchmark of exports and summary reports (issue 4). Not a test; prints figures.

Needs a PostgreSQL database with the demo data at scale, e.g. 1M tickets and 5M calls:

    for i in $(seq 1 10); do DATABASE_URL=... uanl seed-demo --tickets 100000 --seed $i \
        --days 365 --force --calls-per-ticket 5; done

Then, in one run:
1. CSV export of every ticket through `GET /reports/export` on a real `uanl serve` (one
   process), against `psql -c "\\copy (the same SELECT) TO STDOUT CSV"` on the same data:
   throughput ratio and the API process's peak RSS (VmHWM from /proc, the kernel's figure).
2. XLSX of --xlsx-rows tickets as a report job (report `analytics`), run by the worker's
   job function in a fresh process: wall time and that process's peak RSS.
3. The three summary reports (calls, tickets, operators) over the last 90 days: p50/p95.

    .venv/bin/python bench/reports_export.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_1m

Contact data is encrypted at rest: this script, the server and the XLSX job process use the keys
the database was seeded (or migrated) with, from UANL_BENCH_DATA_DIR (the seeding
UANL_DATA_DIR), else from `<repo>/.data/bench-<database name>` (bench/_common.py), e.g.

    UANL_BENCH_DATA_DIR=/tmp/benchsmall .venv/bin/python bench/reports_export.py \
        --db-url postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_small
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_keys, use_bench_keys  # noqa: E402
from api_tickets import (  # noqa: E402
    ADMIN_EMAIL,
    ensure_admin,
    free_port,
    pg_conninfo,
    start_server,
    stop_server,
    wait_healthy,
)

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_1m"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    """Start a new high-water mark (Linux: "5" to clear_refs resets VmHWM to the current RSS).

    The login before the export verifies an argon2id hash, which briefly takes its 64 MiB of
    memory; without the reset that login, not the export, would be the peak."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def server_pid(proc: subprocess.Popen[bytes]) -> int:
    """The process serving requests: `uanl serve` with one worker serves in-process."""
    return proc.pid


def copy_sql(db_url: str) -> str:
    """The export's own SELECT (what the API hands to COPY), with literals inlined."""
    os.environ["DATABASE_URL"] = db_url
    from sqlalchemy.dialects import postgresql

    from uanl.core.config import get_settings
    from uanl.reports import export

    stmt = export.statement(export.ExportFilter("tickets"), get_settings().tz, as_text=True)
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def time_psql(db_url: str, sql: str) -> tuple[float, int]:
    conninfo = pg_conninfo(db_url)
    one_line = " ".join(sql.split())  # psql's \\copy takes a single line
    cmd = ["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-c", f"\\copy ({one_line}) TO STDOUT CSV"]
    env = os.environ | {"PGOPTIONS": "-csearch_path=uanl"}  # as the app's connections
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, check=True, env=env).stdout
    return time.perf_counter() - start, out.count(b"\n")


def time_api_export(base: str, headers: dict[str, str]) -> tuple[float, int, int]:
    start = time.perf_counter()
    lines = size = 0
    with httpx.stream("GET", f"{base}/api/v1/reports/export", headers=headers, timeout=600) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_bytes():
            lines += chunk.count(b"\n")
            size += len(chunk)
    return time.perf_counter() - start, lines - 1, size  # minus the header line


XLSX_JOB = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from uanl.core.db import session_scope
    from uanl.reports import jobs

    rows = int(sys.argv[1])
    with session_scope() as db:
        report = jobs.create_job(db, report="analytics", format="xlsx",
                                 params={"entity": "tickets", "limit": rows},
                                 requested_by_id=None)
        rid = report.id
    start = time.perf_counter()
    outcome = jobs.run_job(rid)
    took = time.perf_counter() - start
    with session_scope() as db:
        from uanl.models import Report
        r = db.get(Report, rid)
        print(outcome, took, r.row_count, r.file_size, r.progress)
    status = Path("/proc/self/status").read_text().splitlines()
    print([l for l in status if l.startswith("VmHWM")][0].split()[1])
    """
)


def xlsx_job(db_url: str, data_dir: str, rows: int) -> tuple[str, float, int, int, float]:
    """The job in a fresh process; its environment carries the bench keys (`use_bench_keys`)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"DATABASE_URL": db_url, "UANL_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"}
    res = subprocess.run(
        [sys.executable, "-c", XLSX_JOB, str(rows)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    first, second = res.stdout.strip().splitlines()[-2:]
    outcome, took, count, size, _progress = first.split()
    return outcome, float(took), int(count), int(size), int(second) / 1024


TOUCH_SQL = """
UPDATE uanl.calls SET duration_s = duration_s + 1 WHERE id = (
  SELECT id FROM uanl.calls WHERE started_at >= now() - interval '90 days' OFFSET %(k)s LIMIT 1);
UPDATE uanl.tickets SET csat_score = coalesce(csat_score, 3) WHERE id = (
  SELECT id FROM uanl.tickets WHERE resolved_at >= now() - interval '90 days' OFFSET %(k)s LIMIT 1);
"""


def touch(db_url: str, k: int) -> None:
    """One call and one resolved ticket somewhere in the window change (as they would under
    load): the next report must recompute their days before it answers."""
    with psycopg.connect(pg_conninfo(db_url), autocommit=True) as conn:
        for statement in TOUCH_SQL.strip().split(";\n"):
            conn.execute(statement.rstrip(";"), {"k": k})  # type: ignore[arg-type]


def summaries(
    base: str, headers: dict[str, str], n: int, db_url: str
) -> dict[str, dict[str, list[float]]]:
    """Per report: `cold` (Cache-Control: no-cache, computed every time, after a write in the
    window each time) and `cached`."""
    today = date.today()
    params = {"from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}
    out: dict[str, dict[str, list[float]]] = {}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as c:
        for name in ("calls", "tickets", "operators"):
            out[name] = {}
            for mode, extra in (("cold", {"Cache-Control": "no-cache"}), ("cached", {})):
                times = []
                for i in range(n + 1):
                    if mode == "cold" and i:
                        touch(db_url, 7919 * i)
                    start = time.perf_counter()
                    resp = c.get(f"/api/v1/reports/{name}", params=params, headers=extra)
                    took = (time.perf_counter() - start) * 1000
                    resp.raise_for_status()
                    if i:  # the first request warms connections (and, for `cached`, the cache)
                        times.append(took)
                out[name][mode] = times
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--xlsx-rows", type=int, default=500_000)
    ap.add_argument("--summary-runs", type=int, default=15)
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--only-summaries", action="store_true")
    args = ap.parse_args()
    print(f"keys: {use_bench_keys(args.db_url)}", flush=True)
    check_keys(args.db_url)

    with psycopg.connect(pg_conninfo(args.db_url)) as conn:
        counts: dict[str, Any] = {
            t: conn.execute(f"SELECT count(*) FROM uanl.{t}").fetchone()[0]  # type: ignore[index]
            for t in ("tickets", "calls")
        }
    print(f"data: {counts['tickets']:,} tickets, {counts['calls']:,} calls", flush=True)
    password = ensure_admin(args.db_url)
    data_dir = tempfile.mkdtemp(prefix="uanl-bench-export-")
    port = free_port()
    proc = start_server(args.db_url, port, 1, data_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": ADMIN_EMAIL, "password": password}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        rss_login = peak_rss_mb(server_pid(proc))
        reset_peak(server_pid(proc))
        rss_idle = current_rss_mb(server_pid(proc))

        sql = copy_sql(args.db_url)
        results = []
        for _ in range(
            0 if args.only_summaries else 2
        ):  # interleaved, each twice; the best of each
            psql_s, psql_rows = time_psql(args.db_url, sql)
            api_s, api_rows, api_bytes = time_api_export(base, headers)
            results.append((psql_s, api_s))
            print(
                f"  psql \\copy {psql_rows:,} rows {psql_s:.2f} s | "
                f"API export {api_rows:,} rows {api_bytes / 1e6:.0f} MB {api_s:.2f} s",
                flush=True,
            )
        if results:
            best_psql = min(r[0] for r in results)
            best_api = min(r[1] for r in results)
            rss = peak_rss_mb(server_pid(proc))
            print(
                f"CSV export: API {api_rows / best_api:,.0f} rows/s vs psql "
                f"{psql_rows / best_psql:,.0f} rows/s -> ratio {best_psql / best_api:.2f} "
                f"(target >= 0.5); API peak RSS during the exports {rss:.0f} MB (before them "
                f"{rss_idle:.0f} MB; peak of the login before, argon2: {rss_login:.0f} MB; "
                "target <= 200)",
                flush=True,
            )

        runs = summaries(base, headers, args.summary_runs, args.db_url)
        for name, modes in runs.items():
            for mode, times in modes.items():
                q = statistics.quantiles(times, n=20)
                print(
                    f"summary /reports/{name} (90 days, {mode}): p50 "
                    f"{statistics.median(times):.0f} ms, p95 {q[18]:.0f} ms over {len(times)} "
                    "runs (target p50 <= 300)",
                    flush=True,
                )
    finally:
        stop_server(proc)

    if not args.skip_xlsx:
        outcome, took, count, size, rss_x = xlsx_job(args.db_url, data_dir, args.xlsx_rows)
        print(
            f"XLSX job ({outcome}): {count:,} rows, {size / 1e6:.0f} MB in {took:.1f} s "
            f"({count / took:,.0f} rows/s); job process peak RSS {rss_x:.0f} MB (target <= 200)",
            flush=True,
        )


if __name__ == "__main__":
    main()
