"""What `make run` starts (`uanl serve --with-worker`, embedded: SQLite and the filesystem
transport, no server) runs the desk by itself: tickets are assigned on create, the worker
delivers their e-mails to the dev outbox, beat's escalation sweep escalates an at-risk
ticket and its assignee is told; Ctrl-C (SIGINT) stops the API and the worker.

The escalation waits for beat's first one-minute tick: the slowest test here, by design.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.test_cli import run
from tests.servers import free_port
from tests.workers import wait_for

ADMIN = ("admin@desk.example.mx", "Fuerte-y-Larga-1")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie is gone for our purposes
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


class Desk:
    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log
        self.http = httpx.Client(base_url=base + "/api/v1", timeout=30)

    def login(self) -> None:
        r = self.http.post("/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]})
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def ok(self, method: str, url: str, **kw: Any) -> Any:
        r = self.http.request(method, url, **kw)
        assert r.status_code < 300, (r.status_code, r.text, self.log.read_text()[-3000:])
        return r.json()

    def sent(self, ticket_id: int, event: str) -> list[dict[str, Any]]:
        params = {"ticket_id": ticket_id, "event": event, "status": "sent"}
        return list(self.ok("GET", "/notifications", params=params)["items"])


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    admin = run(["create-admin", "--email", ADMIN[0], "--password", ADMIN[1]], tmp_path)
    assert admin.returncode == 0, admin.stderr
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UANL_ENV", "SMTP_HOST"}
        and k not in {"DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}
    }
    env.update({"UANL_DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO"})
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uanl.cli", "serve", "--port", str(port), "--with-worker"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    desk = Desk(proc, f"http://127.0.0.1:{port}", log)

    def healthy() -> bool:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            return desk.http.get("/health").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, timeout=60, interval=0.5)
        yield desk
    finally:
        desk.http.close()
        for pid in [proc.pid, *_children(proc.pid)]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_make_run_assigns_notifies_escalates_and_stops_on_ctrl_c(desk: Desk) -> None:
    desk.login()
    oper = desk.ok(
        "POST",
        "/operators/",
        json={
            "name": "Olga Operadora",
            "email": "olga@desk.example.mx",
            "password": "Operadora-Segura-26",
        },
    )
    client = desk.ok(
        "POST", "/clients/", json={"name": "Aceros del Norte", "email": "compras@aceros.mx"}
    )
    # The urgent policy answers in one minute, so an urgent ticket is at risk after 48 s
    # (80 %) and beat's first escalation sweep, a minute after start, finds it.
    policies = desk.ok("GET", "/sla-policies/", params={"priority": "urgent"})["items"]
    [urgent] = [p for p in policies if p["priority"] == "urgent" and p["client_tier"] is None]
    desk.ok(
        "PATCH",
        f"/sla-policies/{urgent['id']}",
        json={"first_response_minutes": 1, "resolution_minutes": 2},
    )
    ticket = desk.ok(
        "POST",
        "/tickets/",
        json={"title": "Se cayó la red", "priority": "urgent", "client_id": client["id"]},
    )
    assert ticket["assignee_id"] == oper["id"]  # assigned on create, nobody chose

    # The worker (no broker server) delivers both e-mails to the dev outbox.
    wait_for(lambda: desk.sent(ticket["id"], "ticket.created"), timeout=60)
    [assigned] = wait_for(lambda: desk.sent(ticket["id"], "ticket.assigned"), timeout=60)
    assert assigned["recipient"] == "olga@desk.example.mx"
    outbox = sorted((Path(desk.log).parent / "outbox").glob("*.eml"))
    assert len(outbox) >= 2
    assert "«[Ticket #" in desk.log.read_text()  # the console shows each e-mail written

    # Beat escalates it on its own and the assignee hears about it.
    def escalated() -> bool:
        return bool(desk.ok("GET", f"/tickets/{ticket['id']}")["escalation_level"] >= 1)

    wait_for(escalated, timeout=200, interval=2)
    history = desk.ok("GET", f"/tickets/{ticket['id']}/history")
    assert any(h["kind"] == "escalated" and h["actor_type"] == "system" for h in history)
    [told] = wait_for(lambda: desk.sent(ticket["id"], "ticket.escalated"), timeout=60)
    assert told["recipient"] == "olga@desk.example.mx"

    # Ctrl-C: the API stops and takes the worker (its own session) with it.
    workers = _children(desk.proc.pid)
    assert workers, "serve --with-worker started no worker"
    desk.proc.send_signal(signal.SIGINT)
    assert desk.proc.wait(timeout=60) == 0, desk.log.read_text()[-3000:]
    wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=30)
    assert "stopping the worker" in desk.log.read_text()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_stops_the_api_and_the_whole_worker_within_ten_seconds(
    desk: Desk, sig: signal.Signals
) -> None:
    # Open an event stream too: an open connection must not hold the shutdown.
    desk.login()
    wait_for(lambda: len(_descendants(desk.proc.pid)) >= 3, timeout=30)  # worker + its pool
    everyone = [desk.proc.pid, *_descendants(desk.proc.pid)]
    with httpx.Client(base_url=desk.base, timeout=30) as stream_client:
        token = desk.http.headers["Authorization"].split()[1]
        with stream_client.stream(
            "GET", "/api/v1/dashboards/stream", headers={"Authorization": f"Bearer {token}"}
        ) as stream:
            assert stream.status_code == 200
            started = time.monotonic()
            desk.proc.send_signal(sig)
            deadline = started + 10
            while any(_alive(pid) for pid in everyone) and time.monotonic() < deadline:
                time.sleep(0.2)
            took = time.monotonic() - started
            left = {pid: _cmdline(pid) for pid in everyone if _alive(pid)}
    assert not left, (left, desk.log.read_text()[-1500:])
    assert took <= 10, (took, desk.log.read_text()[-2500:])
    assert desk.proc.wait(timeout=1) == 0, desk.log.read_text()[-3000:]
