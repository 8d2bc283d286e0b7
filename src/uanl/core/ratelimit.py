"""Rate limits with the `limits` library: Redis when REDIS_URL is set, memory otherwise.

Buckets (fixed windows):
- API: per operator (the JWT `sub`) when the bearer token is valid, else per client IP.
  Authenticated callers are not also limited per IP: a whole office behind one NAT would
  otherwise share one operator's budget.
- Watson webhook/tools (`/api/v1/watson/...`): per API key (a hash of the credential
  header), else per IP.
- Login (`POST /api/v1/auth/token`): per IP here, and per account in the auth service.

Storage: Redis when REDIS_URL is set (one budget for every API process), else memory. When
Redis stops answering, the limiter keeps counting in an in-process MemoryStorage (so each API
process allows the limit by itself) instead of letting every request through, probes Redis
with `storage.check()` at most every `probe_interval_s` and returns to it once it answers;
one WARNING per transition, degraded and recovered.

Every limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds); a refusal is a 429 problem+json with `Retry-After`.
Health checks and the docs are not limited.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

import anyio
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uanl.core import security_events as security
from uanl.core.config import Settings
from uanl.core.context import client_ip, header, request_claims
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

    probe_interval_s = 5.0  # while degraded: how often a request asks Redis if it is back

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
        self.fallback = FixedWindowRateLimiter(MemoryStorage()) if self.remote else self.strategy
        self.degraded = False  # counting in memory because the remote storage failed
        self._lock = threading.Lock()
        self._next_probe = 0.0

    def hit(self, item: RateLimitItem, *key: str) -> Verdict:
        strategy = self._choose()
        try:
            return _verdict(strategy, item, key)
        except Exception as exc:  # noqa: BLE001 - Redis down: count in memory instead
            if strategy is self.fallback:
                logger.opt(exception=exc).error("rate limiter memory storage failed")
                return Verdict(True, item.amount, item.amount, 0)
            self._degrade(exc)
            return _verdict(self.fallback, item, key)

    def _choose(self) -> FixedWindowRateLimiter:
        if not self.degraded:
            return self.strategy
        with self._lock:
            now = time.monotonic()
            due = now >= self._next_probe
            if due:
                self._next_probe = now + self.probe_interval_s
        if due and self.storage.check():
            self._recover()
        return self.fallback if self.degraded else self.strategy

    def _degrade(self, exc: Exception) -> None:
        with self._lock:
            if self.degraded:
                return
            self.degraded = True
            self._next_probe = time.monotonic() + self.probe_interval_s
        logger.bind(ratelimit="degraded").warning(
            "rate limits: Redis storage failed ({}: {}); counting in this process's memory "
            "(each API process allows the full limit) until Redis answers again",
            type(exc).__name__,
            exc,
        )

    def _recover(self) -> None:
        with self._lock:
            if not self.degraded:
                return
            self.degraded = False
        logger.bind(ratelimit="recovered").warning(
            "rate limits: Redis answers again; limits are shared through it once more"
        )

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


def _verdict(
    strategy: FixedWindowRateLimiter, item: RateLimitItem, key: tuple[str, ...]
) -> Verdict:
    allowed = strategy.hit(item, "uanl", *key)
    stats = strategy.get_window_stats(item, "uanl", *key)
    reset_s = max(0, math.ceil(stats.reset_time - time.time()))
    return Verdict(allowed, item.amount, max(0, stats.remaining), reset_s)


def _sync_storage(url: str) -> Storage:
    # Short timeouts: a Redis that hangs instead of refusing must not hold a login for long.
    storage = storage_from_string(url, socket_connect_timeout=1.0, socket_timeout=1.0)
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
