"""Encryption at rest for contact data, and blind indexes for equality lookups.

Values are sealed with AES-256-GCM (random 96-bit nonce) into a text token
``enc1.<key id>.<base64url(nonce | ciphertext | tag)>``. The key id tells rotation which
key sealed a value, and decryption which key to use. The associated data binds a token to
its column ("clients.email"), so a ciphertext copied into another column fails to open.

Keys come from DATA_ENCRYPTION_KEYS (comma-separated, the first one encrypts, the rest only
decrypt) and BLIND_INDEX_KEY (HKDF-derived into the HMAC-SHA256 key of the blind indexes);
in development both are generated and kept in the data dir, like the dev SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from uanl.core import config

TOKEN_VERSION = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
_INDEX_INFO = b"uanl blind index v1"


class CryptoError(RuntimeError):
    """Stored encrypted data cannot be opened; the message says why and what to do."""


def generate_key() -> str:
    """A new random 256-bit key, URL-safe base64 (what DATA_ENCRYPTION_KEYS holds)."""
    return _b64encode(os.urandom(KEY_BYTES))


def parse_key(text: str) -> bytes:
    raw = text.strip()
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("an encryption key is not URL-safe base64") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(
            f"an encryption key decodes to {len(key)} bytes, not {KEY_BYTES}; "
            "generate one with `uanl keys generate`"
        )
    return key


def parse_key_list(text: str) -> list[bytes]:
    keys = [parse_key(part) for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError("DATA_ENCRYPTION_KEYS holds no key")
    return keys


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key (never the key itself)."""
    return hashlib.sha256(b"uanl key id:" + key).hexdigest()[:8]


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_rfc(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def normalize_phone(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalize_recipient(value: str) -> str:
    """E-mail addresses ignore case, phone numbers everything but digits; URLs stay as given."""
    raw = value.strip()
    if "@" in raw and "://" not in raw:
        return normalize_email(raw)
    if re.fullmatch(r"(whatsapp:)?\+?[\d\s().-]+", raw, flags=re.IGNORECASE):
        return normalize_phone(raw)
    return raw


NORMALIZERS = {
    "email": normalize_email,
    "rfc": normalize_rfc,
    "phone": normalize_phone,
    "recipient": normalize_recipient,
    # dedupe keys are compared, never read back: a keyed hash of the exact key
    "dedupe": lambda value: value,
}


@dataclass(frozen=True)
class Keyring:
    """The configured keys: ids in order (the first is primary) and the blind-index key."""

    ciphers: dict[str, AESGCM]
    primary_id: str
    index_key: bytes = field(repr=False)

    @classmethod
    def from_secrets(cls, data_keys: str, blind_index_key: str) -> Keyring:
        keys = parse_key_list(data_keys)
        ciphers = {key_id(k): AESGCM(k) for k in keys}
        index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INDEX_INFO).derive(
            blind_index_key.encode()
        )
        return cls(ciphers=ciphers, primary_id=key_id(keys[0]), index_key=index_key)

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.ciphers[self.primary_id].encrypt(
            nonce, plaintext.encode(), _aad(context, self.primary_id)
        )
        return f"{TOKEN_VERSION}.{self.primary_id}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, context: str) -> str:
        kid, blob = _split(token, context)
        cipher = self.ciphers.get(kid)
        if cipher is None:
            raise CryptoError(
                f"{context}: value sealed with key {kid}, which is not in DATA_ENCRYPTION_KEYS "
                f"(configured: {', '.join(self.ciphers)}); add that key back (after the "
                "primary) and run `uanl keys rotate`"
            )
        try:
            plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(context, kid))
        except InvalidTag:
            raise CryptoError(
                f"{context}: stored value failed its integrity check (altered in the "
                "database, or copied from another column)"
            ) from None
        return plain.decode()

    def needs_rotation(self, token: str, context: str) -> bool:
        return _split(token, context)[0] != self.primary_id

    def blind_index(self, kind: str, value: str | None) -> str | None:
        """HMAC-SHA256 of the normalised value; None for empty values (no lookup possible)."""
        if value is None:
            return None
        normal = NORMALIZERS[kind](value)
        if not normal:
            return None
        message = kind.encode() + b"\x00" + normal.encode()
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()


def _aad(context: str, kid: str) -> bytes:
    return f"{TOKEN_VERSION}|{context}|{kid}".encode()


def _split(token: str, context: str) -> tuple[str, bytes]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise CryptoError(
            f"{context}: stored value is not an encrypted token (plaintext left by a "
            "migration that did not run, or altered in the database)"
        )
    try:
        blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except ValueError:
        raise CryptoError(f"{context}: stored value is not valid base64 (altered?)") from None
    if len(blob) < NONCE_BYTES + 16:
        raise CryptoError(f"{context}: stored value is truncated (altered in the database?)")
    return parts[1], blob


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_cache: tuple[Any, Keyring] | None = None


def keyring() -> Keyring:
    """The keyring of the current settings (built once per Settings object)."""
    global _cache
    settings = config.get_settings()
    cached = _cache
    if cached is not None and cached[0] is settings:
        return cached[1]
    ring = Keyring.from_secrets(
        settings.effective_data_keys(), settings.effective_blind_index_key()
    )
    _cache = (settings, ring)
    return ring


def blind_index(kind: str, value: str | None) -> str | None:
    return keyring().blind_index(kind, value)


_NULL_TESTS = {operators.is_, operators.is_not}


class EncryptedText(TypeDecorator[str]):
    """A text column stored as an AES-GCM token; reads return the plaintext.

    SQL cannot compare ciphertexts (each encryption uses a fresh nonce), so comparisons
    other than IS [NOT] NULL raise instead of silently matching nothing: look values up
    through their blind-index column.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    class comparator_factory(TypeDecorator.Comparator[str]):  # noqa: N801 (SQLAlchemy's name)
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in _NULL_TESTS or (op in (operators.eq, operators.ne) and other == (None,)):
                return super().operate(op, *other, **kwargs)
            raise TypeError(
                "encrypted columns cannot be compared in SQL; use the blind-index column"
            )

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value, self.context)


class EncryptedJSON(EncryptedText):
    """A JSON document stored as one AES-GCM token (not queryable in SQL, only read whole)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:  # type: ignore[override]
        if value is None:
            return None
        return keyring().encrypt(json.dumps(value, ensure_ascii=False), self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(keyring().decrypt(value, self.context))
