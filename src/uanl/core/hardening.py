"""Pure-ASGI hardening: security headers, trusted hosts, request body size limit, CORS.

Content-Security-Policy has three shapes:
- the API (`/api/...`): nothing may load (`default-src 'none'`), nothing may frame it;
- the interactive docs (`/api/v1/docs`, `/api/v1/redoc`): FastAPI's pages load Swagger UI /
  ReDoc from cdn.jsdelivr.net with an inline bootstrap script, so that CDN and inline
  script/style are allowed there (and only there);
- HTML pages outside `/api` (the operators' console): same-origin resources only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from loguru import logger
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uanl.core.config import Settings
from uanl.core.errors import PROBLEM_BASE, PROBLEM_JSON

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'self'"
)
# The console: scripts only from this origin (no inline script, no eval, no CDN). Inline
# styles stay allowed because Plotly positions its SVG layers with style attributes and
# <style> rules it injects; `data:` images are Plotly's "download as PNG".
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
DOCS_PATHS = ("/api/v1/docs", "/api/v1/redoc")


def csp_for(path: str) -> str:
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP
    if path == "/api" or path.startswith("/api/"):
        return API_CSP
    return CONSOLE_CSP


def problem_bytes(status: int, title: str, detail: str, slug: str, path: str) -> bytes:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    return json.dumps(body, ensure_ascii=False).encode()


async def send_problem(
    send: Send,
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """An RFC 9457 response written straight to ASGI (for refusals before the app runs)."""
    body = problem_bytes(status, title, detail, slug, scope.get("path", ""))
    raw = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ] + [(k.lower().encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {
            b"x-content-type-options": b"nosniff",
            b"x-frame-options": b"DENY",
            b"referrer-policy": b"no-referrer",
            b"content-security-policy": csp_for(scope["path"]).encode(),
            b"cross-origin-opener-policy": b"same-origin",
        }
        if self.hsts or scope.get("scheme") == "https":
            extra[b"strict-transport-security"] = b"max-age=31536000; includeSubDomains"

        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                # A route that set its own policy (a console page, a download) keeps it.
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # Starlette renders unhandled errors outside every middleware, which would
            # drop these headers: render the (trace-free) 500 here instead.
            if started:
                raise
            logger.opt(exception=exc).error(
                "unhandled error on {} {}", scope.get("method"), scope.get("path")
            )
            await send_problem(
                send_wrapper,
                scope,
                500,
                "Internal error",
                "An unexpected error occurred; it has been logged with the request id.",
                "500",
            )


class TrustedHostMiddleware:
    """ALLOWED_HOSTS: exact names or `*.domain`; `*` allows any. Others get 400."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = allowed
        self.any = not allowed or "*" in allowed

    def host_ok(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):  # IPv6 literal
            name = name.split("]", 1)[0] + "]"
        else:
            name = name.rsplit(":", 1)[0]
        for pattern in self.allowed:
            if pattern.startswith("*.") and (name.endswith(pattern[1:]) or name == pattern[2:]):
                return True
            if name == pattern:
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        if self.host_ok(host):
            await self.app(scope, receive, send)
            return
        await send_problem(
            send, scope, 400, "Invalid host", "The Host header is not allowed", "invalid-host"
        )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body larger than {limit} bytes")


class BodyLimitMiddleware:
    """MAX_BODY_BYTES by Content-Length up front, and by counting chunked bodies."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit():
            if int(declared) > self.max_bytes:
                await self._refuse(scope, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app's body read: the app's handler renders the 413.
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_problem(
            send,
            scope,
            413,
            "Payload too large",
            f"Request body larger than {self.max_bytes} bytes",
            "payload-too-large",
            headers=[("connection", "close")],
        )


def cors_kwargs(settings: Settings) -> dict[str, Any] | None:
    """CORSMiddleware options, or None when CORS_ORIGINS is empty (closed: no headers)."""
    origins = settings.cors_origin_list
    if not origins:
        return None
    return {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        "allow_headers": [
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "X-Request-ID",
            "X-API-Key",
        ],
        "expose_headers": [
            "X-Request-ID",
            "Retry-After",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "Location",
        ],
        "allow_credentials": "*" not in origins,
        "max_age": 600,
    }
