"""Password hashing (Argon2 via pwdlib) and JWT access tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from uanl.core.config import get_settings

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "uanl-service-desk"
JWT_AUDIENCE = "uanl-api"

# Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane; Password Storage
# Cheat Sheet). pwdlib's default (RFC 9106's 64 MiB, t=3, p=4) costs the same order of CPU
# but holds 64 MiB per concurrent login, which is most of an API process's memory budget
# (docs/benchmarks.md). Hashes made with other parameters still verify and are re-hashed
# with these at the next successful login (`verify_and_update_password`).
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_hasher = PasswordHash(
    (
        Argon2Hasher(
            memory_cost=ARGON2_MEMORY_KIB,
            time_cost=ARGON2_TIME_COST,
            parallelism=ARGON2_PARALLELISM,
        ),
    )
)
# A hash to verify against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

COMMON_PASSWORDS = {
    "password",
    "password1",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty123",
    "contraseña",
    "contrasena",
    "admin123",
    "administrador",
    "letmein1",
    "iloveyou",
    "uanl2024",
    "uanl2025",
    "uanl2026",
    "monterrey",
    "passw0rd",
}


class WeakPassword(ValueError):
    pass


def check_password_strength(password: str, *, email: str | None = None) -> None:
    """Refuse passwords a service desk should not accept; the message says which rule."""
    if len(password) < 10:
        raise WeakPassword("must have at least 10 characters")
    if len(password) > 128:
        raise WeakPassword("must have at most 128 characters")
    if password.lower() in COMMON_PASSWORDS:
        raise WeakPassword("is a commonly used password")
    classes = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
    )
    if classes < 3:
        raise WeakPassword("must mix at least three of: lowercase, uppercase, digits, symbols")
    if email and email.split("@")[0].lower() in password.lower() and len(email.split("@")[0]) > 3:
        raise WeakPassword("must not contain the e-mail's user name")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    return verify_and_update_password(password, password_hash)[0]


def verify_and_update_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one uses other parameters and should be replaced)."""
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _hasher.verify_and_update(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash is a failed login, not a 500
        return False, None


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    claims: dict[str, Any]


def create_access_token(subject: int, role: str, *, minutes: int | None = None) -> AccessToken:
    settings = get_settings()
    minutes = min(minutes or settings.access_token_minutes, 60)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(subject),
        "role": role,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    token = jwt.encode(claims, settings.effective_secret_key(), algorithm=JWT_ALGORITHM)
    return AccessToken(token=token, expires_in=minutes * 60, claims=claims)


def decode_access_token(token: str) -> dict[str, Any]:
    """Raises jwt.PyJWTError on any problem (bad signature, expired, wrong audience...)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        get_settings().effective_secret_key(),
        algorithms=[JWT_ALGORITHM],
        audience=JWT_AUDIENCE,
        issuer=JWT_ISSUER,
        options={"require": ["sub", "exp", "iat", "role"]},
    )
    if claims.get("typ") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


def new_refresh_token() -> tuple[str, str]:
    """An opaque refresh token and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, sha256_hex(token)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
