"""First paint of the console's inbox with N tickets in PostgreSQL (issue 14: <= 1 s at 1M).

Not a test. It loads the database as bench/api_tickets.py does (COPY; 1,000,000 tickets by
default), serves it with `uanl serve --workers 2` and, round after round, opens `#/tickets`
in headless Chromium (Debian's `chromium`, driven by Playwright) as a signed-in admin
would: HTML, modules, token refresh, /auth/me, the first page of tickets, rows painted.
Cold: a new browser context (empty cache) holding only a session's refresh token; warm: a
reload of the same tab. It
prints the time to the first ticket row on screen, the browser's first-contentful-paint and
the tickets API call's duration, and the cold login screen (the static shell, no data) as
the baseline measured in the same run.

    .venv/bin/python bench/console_inbox.py                      # 1M tickets, 7 rounds
    .venv/bin/python bench/console_inbox.py --tickets 100000 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import check_keys, use_bench_keys  # noqa: E402
from api_tickets import (  # noqa: E402
    ADMIN_EMAIL,
    ensure_admin,
    ensure_database,
    free_port,
    load,
    migrate,
    start_server,
    stop_server,
    wait_healthy,
)

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_1m"
TARGET_MS = 1000.0
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _timings(page: Any, api_path: str) -> tuple[float, float | None]:
    """(first-contentful-paint ms, duration ms of the last request whose URL has api_path)."""
    fcp = page.evaluate(
        "performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint')"
        "?.startTime ?? null"
    )
    api = page.evaluate(
        "(p) => { const e = performance.getEntriesByType('resource')"
        ".filter(r => r.name.includes(p)); return e.length ? e[e.length - 1].duration : null; }",
        api_path,
    )
    return float(fcp or 0.0), api


def _fresh_tokens(base: str, password: str) -> str:
    """A refresh token of a new session (the console keeps it in sessionStorage)."""
    resp = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": ADMIN_EMAIL, "password": password}
    )
    resp.raise_for_status()
    return str(resp.json()["refresh_token"])


def _first_row(page: Any) -> None:
    page.locator("tr[data-ticket]").first.wait_for(state="visible", timeout=30_000)


def measure(base: str, password: str, rounds: int) -> dict[str, list[float]]:
    """Per round: the inbox opened cold (a new browser context: empty cache, a session that
    only holds its refresh token, as a new tab of a signed-in user), the inbox reloaded warm
    (the same tab: cached files), and the login screen opened cold (the static shell)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "login", "api", "fcp")}
    viewport = {"width": 1280, "height": 900}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for i in range(rounds + 1):  # round 0 warms the server's caches
            context = browser.new_context(viewport=viewport)
            refresh = json.dumps(_fresh_tokens(base, password))
            # Once: a reload must keep the rotated token the console stored, not replay this one.
            context.add_init_script(
                "if (!sessionStorage.getItem('uanl.refresh')) "
                f"sessionStorage.setItem('uanl.refresh', {refresh})"
            )
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{base}/#/tickets")
            _first_row(page)
            cold_ms = (time.perf_counter() - start) * 1000
            fcp, api = _timings(page, "/api/v1/tickets")
            start = time.perf_counter()
            page.reload()
            _first_row(page)
            warm_ms = (time.perf_counter() - start) * 1000
            context.close()
            fresh = browser.new_context(viewport=viewport).new_page()
            start = time.perf_counter()
            fresh.goto(f"{base}/")
            fresh.locator("#login-email").wait_for(state="visible")
            login_ms = (time.perf_counter() - start) * 1000
            fresh.context.close()
            if i == 0:
                continue
            for key, value in (
                ("cold", cold_ms),
                ("warm", warm_ms),
                ("login", login_ms),
                ("api", api or 0.0),
                ("fcp", fcp),
            ):
                out[key].append(value)
            print(
                f"round {i}: inbox cold {cold_ms:.0f} ms (fcp {fcp:.0f}, tickets API "
                f"{(api or 0):.0f}), warm {warm_ms:.0f} ms · login screen cold {login_ms:.0f} ms",
                flush=True,
            )
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=DEFAULT_DB)
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if shutil.which("chromium") is None:
        raise SystemExit(
            "needs Debian's chromium: apt-get install -y --no-install-recommends chromium"
        )
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    use_bench_keys(args.db_url)
    ensure_database(args.db_url)
    migrate(args.db_url)
    check_keys(args.db_url)
    loaded, secs = load(args.db_url, args.tickets)
    if loaded:
        print(f"loaded {loaded:,} tickets in {secs:.1f} s")
    password = ensure_admin(args.db_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="uanl-bench-console-") as data_dir:
        proc = start_server(args.db_url, port, args.workers, data_dir)
        try:
            wait_healthy(base, proc)
            got = measure(base, password, args.rounds)
        finally:
            stop_server(proc)
    med = {k: statistics.median(v) for k, v in got.items()}
    print(f"\n{args.tickets:,} tickets, {args.rounds} rounds, medians (worst):")
    print(
        f"  inbox cold, navigation to first row: {med['cold']:.0f} ms ({max(got['cold']):.0f});"
        f" first contentful paint {med['fcp']:.0f}; tickets API {med['api']:.0f}"
    )
    print(f"  inbox warm, reload to first row: {med['warm']:.0f} ms ({max(got['warm']):.0f})")
    print(f"  baseline, login screen cold (static shell): {med['login']:.0f} ms")
    print(f"  ratio inbox cold / login screen cold: {med['cold'] / med['login']:.2f}")
    verdict = "met" if med["cold"] <= TARGET_MS else "missed"
    print(f"  target: inbox first paint (cold) <= {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
