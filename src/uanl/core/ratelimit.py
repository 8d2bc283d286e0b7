"""Rate limits with the `limits` library: Redis when REDIS_URL is set, memory otherwise.

Buckets (fixed windows):
- API: per operator (the JWT `sub`) when the bearer token is valid, else per client IP.
  Authenticated callers are not also limited per IP: a whole office behind one NAT would
  otherwise share one operator's budget.
- Watson webhook/tools (`/api/v1/watson/...`): per API key (a hash of the credential
  header), else per IP.
- Login (`POST /api/v1/auth/token`): per IP here, and per account in the auth service.

Every limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds); a refusal is a 429 problem+json with `Retry-After`.
Health checks and the docs are not limited.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import anyio
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uanl.audit import security
from uanl.audit.context import client_ip, header, request_claims
from uanl.core.config import Settings
from uanl.core.errors import AppError
from uanl.core.hardening import send_problem

LOGIN_PATH = "/api/v1/auth/token"
WATSON_PREFIX = "/api/v1/watson"
EXEMPT_PREFIXES = ("/api/v1/health", "/api/v1/docs", "/api/v1/redoc", "/api/v1/openapi.json")


class TooManyRequests(AppError):
    status, title, slug = 429, "Too many requests", "rate-limited"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.reset_s))
        return out


class RateLimiter:
    """The configured limits and their storage (one per app; shared via Redis)."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.enabled = settings.rate_limit_enabled
        self.api = parse(settings.rate_limit_api)
        self.login = parse(settings.rate_limit_login)
        self.webhook = parse(settings.rate_limit_webhook)
        if storage is None:
            storage = _sync_storage(settings.redis_url) if settings.redis_url else MemoryStorage()
        self.storage = storage
        self.remote = not isinstance(storage, MemoryStorage)
        self.strategy = FixedWindowRateLimiter(storage)

    def hit(self, item: RateLimitItem, *key: str) -> Verdict:
        try:
            allowed = self.strategy.hit(item, "uanl", *key)
            stats = self.strategy.get_window_stats(item, "uanl", *key)
        except Exception as exc:  # noqa: BLE001 - a broken limiter must not take the API down
            logger.opt(exception=exc).error("rate limiter storage failed; request allowed")
            return Verdict(True, item.amount, item.amount, 0)
        reset_s = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, item.amount, max(0, stats.remaining), reset_s)

    def check_login_account(self, email: str) -> None:
        """Per-account login limit; raises TooManyRequests (429) past it."""
        if not self.enabled:
            return
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        verdict = self.hit(self.login, "login-account", account)
        if not verdict.allowed:
            security.record(security.RATE_LIMITED, "login per account", bucket="login-account")
            raise TooManyRequests(
                "Demasiados intentos de inicio de sesión para esta cuenta; "
                f"intente de nuevo en {verdict.reset_s} s",
                headers=verdict.headers(),
            )


def _sync_storage(url: str) -> Storage:
    storage = storage_from_string(url)
    if not isinstance(storage, Storage):
        raise ValueError(f"REDIS_URL {url!r} does not give a synchronous limits storage")
    return storage


_current: RateLimiter | None = None


def configure(settings: Settings) -> RateLimiter:
    global _current
    _current = RateLimiter(settings)
    return _current


def current() -> RateLimiter | None:
    return _current


def _bucket(limiter: RateLimiter, scope: Scope) -> tuple[RateLimitItem, tuple[str, ...]] | None:
    path: str = scope["path"]
    if not path.startswith("/api/") or path.startswith(EXEMPT_PREFIXES):
        return None
    ip = client_ip(scope) or "unknown"
    if path == LOGIN_PATH and scope["method"] == "POST":
        return limiter.login, ("login-ip", ip)
    if path.startswith(WATSON_PREFIX):
        credential = header(scope, b"x-api-key") or header(scope, b"authorization")
        if credential:
            digest = hashlib.sha256(credential.encode()).hexdigest()[:32]
            return limiter.webhook, ("webhook-key", digest)
        return limiter.webhook, ("webhook-ip", ip)
    claims = request_claims(scope)
    if claims and claims.get("sub") is not None:
        return limiter.api, ("api-sub", str(claims["sub"]))
    return limiter.api, ("api-ip", ip)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.enabled or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        bucket = _bucket(self.limiter, scope)
        if bucket is None:
            await self.app(scope, receive, send)
            return
        item, key = bucket
        if self.limiter.remote:
            verdict = await anyio.to_thread.run_sync(lambda: self.limiter.hit(item, *key))
        else:
            verdict = self.limiter.hit(item, *key)
        if not verdict.allowed:
            security.record(security.RATE_LIMITED, scope["path"], bucket=key[0])
            await send_problem(
                send,
                scope,
                429,
                "Too many requests",
                f"Límite de {item.amount} solicitudes por {item.GRANULARITY.name} superado; "
                f"reintente en {verdict.reset_s} s",
                "rate-limited",
                headers=verdict.headers().items(),
            )
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers().items()]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
