"""A real Celery worker in a subprocess, for task tests.

Usage: `with running_worker(settings, redis_url=...) as w: ...`. The worker uses the same
database as the test (DATABASE_URL) and either Redis (when `redis_url` is given, e.g. a
dedicated Redis DB number) or the embedded filesystem transport in the test's data dir.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uanl.core.config import Settings


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and its pool children)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def worker_env(settings: Settings, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "UANL_DATA_DIR",
            "DATA_ENCRYPTION_KEYS",
            "BLIND_INDEX_KEY",
        }
    }
    env.update(
        {
            "UANL_DATA_DIR": str(settings.data_dir),
            "SECRET_KEY": settings.secret_key or "",
            # Unset = the development keys in the data dir, shared with the test process.
            "DATA_ENCRYPTION_KEYS": settings.data_encryption_keys or "",
            "BLIND_INDEX_KEY": settings.blind_index_key or "",
            "LOG_LEVEL": "INFO",
            "UANL_ENV": "development",
        }
    )
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def _ping(env: dict[str, str]) -> bool:
    code = (
        "from uanl.worker import celery_app;"
        "import sys; r = celery_app.control.ping(timeout=1.0); sys.exit(0 if r else 1)"
    )
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=30)
    return res.returncode == 0


@contextmanager
def running_worker(
    settings: Settings,
    *,
    redis_url: str | None = None,
    beat: bool = False,
    concurrency: int = 1,
    timeout: float = 40.0,
    **extra: str,
) -> Iterator[WorkerProcess]:
    env = worker_env(settings, redis_url, **extra)
    log_path = Path(settings.data_dir) / f"worker-{time.monotonic_ns()}.log"
    args = [
        sys.executable,
        "-m",
        "uanl.cli",
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=INFO",
    ]
    if beat:
        args.append("--beat")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = WorkerProcess(proc, log_path, env)
    try:
        deadline = time.monotonic() + timeout
        while not _ping(env):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{worker.log()[-3000:]}")
            time.sleep(0.5)
        yield worker
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Poll until predicate() is truthy; return its value or raise AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
