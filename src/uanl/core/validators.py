"""Field rules shared by the schemas: Mexican RFC, phone numbers, tags, no NUL bytes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_RFC_RE = re.compile(r"^([A-ZÑ&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z\d]{2})([A-Z\d])$")
# SAT's alphabet for the check digit; the space pads 12-character (company) RFCs.
_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
# The two generic RFCs the SAT issues (público en general, extranjeros).
_GENERIC_RFCS = {"XAXX010101000", "XEXX010101000"}


def rfc_check_digit(rfc_without_digit: str) -> str:
    padded = rfc_without_digit.rjust(12)
    total = sum(_RFC_ALPHABET.index(ch) * (13 - i) for i, ch in enumerate(padded))
    remainder = 11 - total % 11
    if remainder == 11:
        return "0"
    if remainder == 10:
        return "A"
    return str(remainder)


def normalise_rfc(value: str) -> str:
    """Upper-cased RFC, or ValueError saying what is wrong with it."""
    rfc = re.sub(r"[\s\-]", "", value).upper()
    if rfc in _GENERIC_RFCS:
        return rfc
    m = _RFC_RE.match(rfc)
    if not m:
        raise ValueError(
            "RFC must be 3 letters (company) or 4 letters (person), a YYMMDD date and a "
            "3-character homoclave, e.g. ABC680524P76"
        )
    yy, mm, dd = int(m.group(2)), int(m.group(3)), int(m.group(4))
    for century in (2000, 1900):
        try:
            date(century + yy, mm, dd)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"RFC date {m.group(2)}{m.group(3)}{m.group(4)} is not a valid date")
    if rfc_check_digit(rfc[:-1]) != rfc[-1]:
        raise ValueError("RFC check digit does not match (typo in the RFC?)")
    return rfc


def normalise_phone(value: str) -> str:
    """Keep a leading + and the digits; 10 to 15 digits (Mexican numbers have 10)."""
    raw = value.strip()
    if not re.fullmatch(r"\+?[\d\s().\-]+", raw):
        raise ValueError("phone may contain only digits, spaces, ( ) . - and a leading +")
    digits = re.sub(r"\D", "", raw)
    if not 10 <= len(digits) <= 15:
        raise ValueError("phone must have 10 to 15 digits")
    return ("+" if raw.startswith("+") else "") + digits


_TAG_RE = re.compile(r"^[\wáéíóúñü\-]{1,40}$", re.IGNORECASE)


def normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        t = tag.strip().lower()
        if not _TAG_RE.match(t):
            raise ValueError(f"tag {tag!r} must be 1-40 letters, digits, _ or -")
        if t not in out:
            out.append(t)
    if len(out) > 20:
        raise ValueError("at most 20 tags")
    return out


# Ids are INTEGER columns: a larger number can name no row, and SQLite cannot even bind one
# past 2**63 (OverflowError). Bounding path, query and body ids turns those into a 422.
MAX_ID = 2**31 - 1


# PostgreSQL text cannot hold U+0000 (psycopg raises DataError); SQLite could, but the API
# answers the same on both backends. Refused wherever text comes in: bodies, query, path.
NUL = "\x00"
NUL_REASON = "contains a NUL character (\\u0000), which cannot be stored"


def nul_path(value: Any, path: str = "") -> str | None:
    """Where the first NUL is in a decoded JSON value ("", "a.b", "[2]"), or None.

    Looks inside dicts (keys too) and lists, so nested text fields are covered as well."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return inner
            found = nul_path(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found = nul_path(item, f"{path}[{n}]")
            if found is not None:
                return found
    return None
