"""Who is acting, from where, in which request: read by the audit listener.

A pure-ASGI middleware fills these for every HTTP request (the actor from a valid bearer
token, the client IP, the request id); code outside a request (workers, commands) leaves
the defaults, which the listener records as the actor "system".
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jwt
from starlette.types import Receive, Scope, Send

from uanl.core.asgi import HttpMiddleware
from uanl.core.logging import request_id_var


@dataclass(frozen=True)
class Actor:
    id: int | None
    role: str | None
    label: str  # "operator", "anonymous" or "system"


SYSTEM = Actor(None, None, "system")
ANONYMOUS = Actor(None, None, "anonymous")

actor_var: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)
client_ip_var: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


_CLAIMS_KEY = "uanl.claims"


def current_request_id() -> str | None:
    value = request_id_var.get()
    return None if value == "-" else value


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def client_ip(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def bearer_claims(scope: Scope) -> dict[str, object] | None:
    """The verified claims of the request's access token, or None (no token, invalid)."""
    auth = header(scope, b"authorization")
    if not auth:
        return None
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from uanl.core.security import decode_access_token

    try:
        return decode_access_token(token.strip())
    except (jwt.PyJWTError, ValueError, KeyError):
        return None


def request_claims(scope: Scope) -> dict[str, object] | None:
    """bearer_claims, decoded once per request (the rate limiter needs them too)."""
    if _CLAIMS_KEY not in scope:
        scope[_CLAIMS_KEY] = bearer_claims(scope)
    claims: dict[str, object] | None = scope[_CLAIMS_KEY]
    return claims


def cached_claims(scope: Scope) -> dict[str, Any] | None:
    """The claims `request_claims` verified for this request, if it ran and they were valid."""
    claims: dict[str, Any] | None = scope.get(_CLAIMS_KEY)
    return claims


def actor_from_claims(claims: dict[str, object] | None) -> Actor:
    if not claims:
        return ANONYMOUS
    try:
        operator_id = int(str(claims["sub"]))
    except (KeyError, ValueError):
        return ANONYMOUS
    return Actor(operator_id, str(claims.get("role") or "") or None, "operator")


class AuditContextMiddleware(HttpMiddleware):
    """Sets actor and client IP for the audit listener (the request id is set upstream)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        actor_token = actor_var.set(actor_from_claims(request_claims(scope)))
        ip_token = client_ip_var.set(client_ip(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            actor_var.reset(actor_token)
            client_ip_var.reset(ip_token)
