"""Real loopback servers for the notification tests.

- `SmtpServer`: aiosmtpd on a fixed port that can be stopped and started again (same port),
  records every accepted message and can answer the next DATA commands with scripted codes.
- `HttpRecorder`: http.server in a thread that records requests (Slack, Teams, Twilio) and
  answers scripted statuses (500, 429, 400...) for the next N requests.
- `celery_broker(settings)`: point this process's Celery producer at another broker.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from uanl.core.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- SMTP


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.data_replies: deque[str] = deque()
        self.rcpt_replies: deque[str] = deque()
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        with self.lock:
            if self.rcpt_replies:
                return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.data_replies:
                return self.data_replies.popleft()
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd that keeps its port across stop()/start() so the app's settings stay valid."""

    def __init__(
        self,
        *,
        port: int | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.port = port or free_port()
        self.handler = _Handler()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.implicit_tls,
            server_hostname="localhost",
            ready_timeout=5,
            **kwargs,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def answer_data(self, *replies: str) -> None:
        """The next DATA commands get these replies, e.g. '421 Try later', '550 No'."""
        self.handler.data_replies.extend(replies)

    def answer_rcpt(self, *replies: str) -> None:
        self.handler.rcpt_replies.extend(replies)

    def settings(self, base: Settings, **extra: Any) -> Settings:
        values = {
            "smtp_host": "127.0.0.1"
            if self.starttls is None and self.implicit_tls is None
            else "localhost",
            "smtp_port": self.port,
            "smtp_security": "starttls"
            if self.starttls is not None
            else "ssl"
            if self.implicit_tls is not None
            else "none",
            "smtp_timeout_s": 5.0,
        }
        values.update(extra)
        return base.model_copy(update=values)

    def env(self) -> dict[str, str]:
        """Settings for a worker subprocess."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none"}


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


# --------------------------------------------------------------------------- HTTP


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class HttpRecorder:
    """Loopback webhook/REST endpoint: records requests, answers scripted statuses."""

    default_status: int = 200
    default_body: str = "ok"
    default_type: str = "text/plain"
    requests: list[Recorded] = field(default_factory=list)
    script: deque[tuple[int, str, dict[str, str]]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with recorder.lock:
                    if recorder.script:
                        status, text, headers = recorder.script.popleft()
                    else:
                        status, text, headers = recorder.default_status, recorder.default_body, {}
                        recorder.requests.append(
                            Recorded("POST", self.path, dict(self.headers.items()), body)
                        )
                    recorder.attempts += 1
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", recorder.default_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.lock = threading.Lock()
        self.attempts = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(
        self, n: int, status: int, body: str = "", headers: dict[str, str] | None = None
    ) -> None:
        """The next n requests get `status` (and are not counted as delivered)."""
        with self.lock:
            for _ in range(n):
                self.script.append((status, body, headers or {}))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- Celery


def _reset_producer_pools() -> None:
    from kombu import pools

    from uanl.worker import celery_app

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def celery_broker(settings: Settings, redis_url: str | None = None) -> Iterator[None]:
    """Send this process's tasks where `settings` (or `redis_url`) says, then restore."""
    from uanl.worker import configure_celery

    target = settings.model_copy(update={"redis_url": redis_url}) if redis_url else settings
    configure_celery(target)
    _reset_producer_pools()
    try:
        yield
    finally:
        configure_celery(settings.model_copy(update={"redis_url": None}))
        _reset_producer_pools()
