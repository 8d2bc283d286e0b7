"""IBM Cloud IAM tokens for the Watson API key, and a real outbound connection check."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from uanl.core.config import Settings

GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
ASSISTANT_VERSION = "2023-06-15"
REFRESH_FRACTION = 0.8


class IamError(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass
class CachedToken:
    access_token: str
    refresh_at: float  # time.monotonic() after which a new token is fetched
    expires_at: float  # epoch seconds (IAM's `expiration`)


_lock = threading.Lock()
_tokens: dict[str, CachedToken] = {}


def _cache_key(iam_url: str, api_key: str) -> str:
    return iam_url.rstrip("/") + "|" + hashlib.sha256(api_key.encode()).hexdigest()


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _describe(exc: httpx.HTTPError, url: str, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: no answer from {_host(url)} within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"unreachable: cannot connect to {_host(url)} ({exc})"
    return f"HTTP error talking to {_host(url)}: {exc}"


def get_token(settings: Settings, *, force: bool = False) -> CachedToken:
    """A bearer token for WATSON_API_KEY, reused until 80% of its lifetime has passed."""
    api_key = settings.watson_api_key or ""
    iam_url = settings.watson_iam_url.rstrip("/")
    key = _cache_key(iam_url, api_key)
    with _lock:
        cached = _tokens.get(key)
        if cached and not force and time.monotonic() < cached.refresh_at:
            return cached
    url = f"{iam_url}/identity/token"
    try:
        resp = httpx.post(
            url,
            data={"grant_type": GRANT_TYPE, "apikey": api_key},
            headers={"Accept": "application/json"},
            timeout=settings.watson_timeout_s,
        )
    except httpx.HTTPError as exc:
        raise IamError(_describe(exc, url, settings.watson_timeout_s)) from exc
    body = _json(resp)
    if resp.status_code != 200 or "access_token" not in body:
        code = body.get("errorCode") or resp.status_code
        message = body.get("errorMessage") or resp.text[:200]
        hint = " (bad API key)" if code == "BXNIM0415E" else ""
        raise IamError(f"IAM refused the API key{hint}: {code} {message}", resp.status_code)
    expires_in = float(body.get("expires_in") or 3600)
    token = CachedToken(
        access_token=str(body["access_token"]),
        refresh_at=time.monotonic() + expires_in * REFRESH_FRACTION,
        expires_at=float(body.get("expiration") or time.time() + expires_in),
    )
    with _lock:
        _tokens[key] = token
    return token


def token_state(settings: Settings) -> dict[str, Any]:
    if not settings.watson_api_key:
        return {"cached": False}
    cached = _tokens.get(_cache_key(settings.watson_iam_url, settings.watson_api_key))
    if cached is None:
        return {"cached": False}
    return {
        "cached": True,
        "valid": time.monotonic() < cached.refresh_at,
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cached.expires_at)),
    }


def clear_tokens() -> None:
    with _lock:
        _tokens.clear()


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_connection(settings: Settings) -> dict[str, Any]:
    """Exchange the key for a token, then open an Assistant session; report each step."""
    steps: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        token = get_token(settings, force=True)
    except IamError as exc:
        steps.append(
            {
                "step": "iam_token",
                "ok": False,
                "status_code": exc.status_code,
                "latency_ms": _ms(started),
                "error": exc.message,
            }
        )
        return {"ok": False, "steps": steps}
    steps.append({"step": "iam_token", "ok": True, "status_code": 200, "latency_ms": _ms(started)})
    if not settings.watson_url or not settings.watson_assistant_id:
        steps.append(
            {
                "step": "assistant_session",
                "ok": None,
                "skipped": True,
                "error": "WATSON_URL and WATSON_ASSISTANT_ID are not both set",
            }
        )
        return {"ok": True, "steps": steps}
    steps.append(_assistant_step(settings, token.access_token))
    return {"ok": all(s["ok"] for s in steps), "steps": steps}


def _assistant_step(settings: Settings, access_token: str) -> dict[str, Any]:
    base = (settings.watson_url or "").rstrip("/")
    url = f"{base}/v2/assistants/{settings.watson_assistant_id}/sessions"
    started = time.perf_counter()
    step: dict[str, Any] = {"step": "assistant_session"}
    try:
        resp = httpx.post(
            url,
            params={"version": ASSISTANT_VERSION},
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=settings.watson_timeout_s,
        )
    except httpx.HTTPError as exc:
        return step | {
            "ok": False,
            "status_code": None,
            "latency_ms": _ms(started),
            "error": _describe(exc, url, settings.watson_timeout_s),
        }
    step |= {"status_code": resp.status_code, "latency_ms": _ms(started)}
    body = _json(resp)
    if resp.status_code in (200, 201) and body.get("session_id"):
        return step | {"ok": True, "session_id": body["session_id"]}
    reason = body.get("error") or body.get("errorMessage") or resp.text[:200]
    if resp.status_code == 404:
        reason = f"assistant {settings.watson_assistant_id} not found at {_host(url)}: {reason}"
    elif resp.status_code in (401, 403):
        reason = f"the token was refused by {_host(url)}: {reason}"
    return step | {"ok": False, "error": str(reason)}
