"""Who may call the Watson endpoints: Watson's own credentials (API key, Basic, JWT, HMAC).

The key is compared in constant time; a missing key in the configuration refuses every call
(503) instead of leaving the endpoints open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Annotated

import jwt
from fastapi import Depends, Request

from uanl.core import config
from uanl.core.errors import ServiceUnavailable, Unauthorized, ValidationFailed, refuse_surrogates
from uanl.core.validators import NUL_REASON, nul_path

REPLAY_WINDOW_S = 300
TIMESTAMP_HEADER = "X-UANL-Timestamp"
SIGNATURE_HEADER = "X-UANL-Signature"


def configured_key() -> str | None:
    key = config.get_settings().watson_api_key
    return key if key and key.strip() else None


def require_key() -> str:
    key = configured_key()
    if key is None:
        raise ServiceUnavailable(
            "Watson integration is not configured: set WATSON_API_KEY on the server"
        )
    return key


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _valid_jwt(token: str, key: str) -> bool:
    try:
        jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
    except jwt.PyJWTError:
        return False
    return True


def _basic_ok(value: str, key: str) -> bool:
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _, password = decoded.partition(":")
    return _same(user, "apikey") and _same(password, key)


def credentials_ok(request: Request, key: str) -> bool:
    """True when a header carries the key (X-API-Key, Bearer, Basic apikey:<key>) or a JWT."""
    api_key = request.headers.get("x-api-key")
    if api_key is not None and _same(api_key, key):
        return True
    auth = request.headers.get("authorization", "").strip()
    if not auth:
        return False
    scheme, _, value = auth.partition(" ")
    scheme_l, value = scheme.lower(), value.strip()
    if scheme_l == "bearer":
        return _same(value, key) or _valid_jwt(value, key)
    if scheme_l == "basic":
        return _basic_ok(value, key)
    # Watson Assistant may send the signed JWT without a scheme.
    return not value and _valid_jwt(scheme, key)


def sign(key: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_ok(request: Request, key: str, body: bytes) -> bool | None:
    """None when the request is unsigned; else whether signature and timestamp are valid."""
    ts = request.headers.get(TIMESTAMP_HEADER)
    sig = request.headers.get(SIGNATURE_HEADER)
    if ts is None and sig is None:
        return None
    if not ts or not sig:
        return False
    try:
        sent = float(ts)
    except ValueError:
        return False
    if abs(time.time() - sent) > REPLAY_WINDOW_S:
        return False
    return _same(sig.strip(), sign(key, ts, body))


def _refuse_unstorable_text(body: bytes) -> None:
    """422 for JSON whose \\u escapes decode to unpaired surrogates or to NUL (U+0000):
    text no database can store, refused naming the field (`payload.input.text`)."""
    lowered = body.lower()
    if b"\\ud" not in lowered and b"\\u0000" not in lowered:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # not JSON: the endpoint's own parsing answers that
    refuse_surrogates(data)
    where = nul_path(data)
    if where is not None:
        raise ValidationFailed(where or "body", NUL_REASON)


async def watson_caller(request: Request) -> bytes:
    """Authenticate a Watson call and return its raw body (needed for the signature)."""
    key = require_key()
    body = await request.body()
    signed = signature_ok(request, key, body)
    if signed is False:
        raise Unauthorized("Invalid or stale X-UANL-Signature (5-minute window)")
    if signed or credentials_ok(request, key):
        _refuse_unstorable_text(body)
        return body
    raise Unauthorized(
        "Missing or invalid Watson credentials: send the key as X-API-Key, a Bearer token, "
        "Basic apikey:<key>, or a JWT signed with it"
    )


WatsonBody = Annotated[bytes, Depends(watson_caller)]
