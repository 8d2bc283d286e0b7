"""The one generated password shared by every demo account, kept in the data dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from uanl.core.config import get_settings
from uanl.core.security import WeakPassword, check_password_strength
from uanl.demo.names import ADMIN

FILE_NAME = "demo-credentials.txt"
HEADER = (
    "# DEVELOPMENT demo credentials (uanl seed-demo). Never use them in production.\n"
    "# The same password opens every demo account: supervisora@demo.uanl.mx and the\n"
    "# operators <nombre>.<apellido>@demo.uanl.mx.\n"
)


def credentials_path() -> Path:
    return get_settings().data_dir / FILE_NAME


def _read(path: Path) -> tuple[str, str] | None:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        values[key.strip().lower()] = value.strip()
    if values.get("email") and values.get("password"):
        return values["email"], values["password"]
    return None


def demo_credentials() -> tuple[str, str] | None:
    """(admin e-mail, password) of the demo accounts, or None before `uanl seed-demo`."""
    path = credentials_path()
    if not path.is_file():
        return None
    return _read(path)


def _new_password(email: str) -> str:
    while True:
        # token_urlsafe may lack a class; the suffix guarantees the policy's three classes.
        password = secrets.token_urlsafe(9) + "-Aa1"
        try:
            check_password_strength(password, email=email)
        except WeakPassword:
            continue
        return password


def ensure_demo_password() -> str:
    """The demo password from the credentials file, creating the file (mode 0600) once."""
    existing = demo_credentials()
    if existing is not None:
        return existing[1]
    path = credentials_path()
    email = ADMIN[1]
    password = _new_password(email)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    # Created with 0600 from the start, so the password is never readable by others.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{HEADER}email: {email}\npassword: {password}\n")
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # atomic and never overwrites: a concurrent seeder's file wins
    except FileExistsError:
        theirs = demo_credentials()
        if theirs is None:
            raise
        password = theirs[1]
    finally:
        tmp.unlink(missing_ok=True)
    return password
