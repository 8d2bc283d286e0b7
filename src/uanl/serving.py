"""How `uanl serve` runs: uvicorn in one or more processes, and, with `--with-worker`, a
Celery worker (with beat) beside it that stops when the API is told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import typer


def run_api(
    host: str, port: int, workers: int, reload: bool, on_exit: Callable[[], None] | None
) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "uanl.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_config=None,
        proxy_headers=False,  # the app honours X-Forwarded-* from TRUSTED_PROXIES (uanl.app)
        access_log=False,
        # One box (`make run`): open console streams (SSE) must not hold a Ctrl-C or a
        # TERM for long; the worker stops meanwhile (on_exit).
        timeout_graceful_shutdown=3 if on_exit else None,
    )
    if on_exit is None or reload:
        uvicorn.run(config.app, **_run_kwargs(config))
        return
    stop_worker: Callable[[], None] = on_exit

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            stop_worker()  # the worker's warm shutdown runs beside the API's
            super().handle_exit(sig, frame)

    class Supervisor(Multiprocess):
        def handle_int(self) -> None:
            stop_worker()
            super().handle_int()

        def handle_term(self) -> None:
            stop_worker()
            super().handle_term()

    server = Server(config)
    try:
        if workers > 1:
            Supervisor(config, sockets=[config.bind_socket()]).run()
            return
        config.load_app()
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled: a clean stop
        return
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE


def _run_kwargs(config: Any) -> dict[str, Any]:
    names = ("factory", "host", "port", "workers", "reload", "log_config", "proxy_headers")
    kwargs = {name: getattr(config, name) for name in names}
    return {**kwargs, "access_log": False, "timeout_graceful_shutdown": None}


def signaller(proc: subprocess.Popen[bytes]) -> Callable[[], None]:
    def signal_once() -> None:
        if proc.poll() is None and not getattr(proc, "uanl_signalled_at", None):
            proc.uanl_signalled_at = time.monotonic()  # type: ignore[attr-defined]
            proc.send_signal(signal.SIGTERM)

    return signal_once


def start_worker_process() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uanl.cli", "worker", "--beat", "--concurrency", "2"],
        start_new_session=True,  # Ctrl-C reaches uvicorn; we stop the worker ourselves
    )


def stop_process(proc: subprocess.Popen[bytes], grace: float = 6.0) -> None:
    """Stop the worker within `grace` seconds of the first TERM it was sent."""
    if proc.poll() is not None:
        return
    typer.echo("stopping the worker...")
    # TERM to the worker's main process only: it stops its pool itself (warm shutdown,
    # running tasks finish). A TERM to the whole group killed the pool children first, the
    # pool respawned them and the worker lingered past any sensible grace period.
    signaller(proc)()
    try:
        signalled_at = getattr(proc, "uanl_signalled_at", None) or time.monotonic()
        proc.wait(timeout=max(0.5, signalled_at + grace - time.monotonic()))
    except subprocess.TimeoutExpired:
        waited = time.monotonic() - signalled_at
        typer.echo(f"the worker did not stop {waited:.1f} s after TERM; killing it", err=True)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its session
    except ProcessLookupError:
        pass
    proc.wait()
