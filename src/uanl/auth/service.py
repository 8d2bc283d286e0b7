"""Log in, rotate refresh tokens (reuse of an old one revokes its whole family), log out."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from uanl.audit.listener import set_session_actor
from uanl.auth.schemas import TokenResponse
from uanl.core import ratelimit
from uanl.core import security_events as security
from uanl.core.config import get_settings
from uanl.core.crypto import blind_index
from uanl.core.errors import AppError, Unauthorized, UnauthorizedRecorded
from uanl.core.security import (
    create_access_token,
    new_refresh_token,
    sha256_hex,
    verify_and_update_password,
)
from uanl.models import Operator, RefreshToken, utcnow


class AccountLocked(AppError):
    """Too many failed logins: the account refuses logins until `locked_until`."""

    status, title, slug = 423, "Account locked", "account-locked"


def authenticate(db: Session, email: str, password: str) -> Operator:
    """Check the password; failed attempts count towards a temporary lockout.

    The failure counter is committed with the refusal (UnauthorizedRecorded), not rolled
    back with the request. A locked account refuses even the right password until
    `locked_until`, so guessing cannot continue underneath the lock.
    """
    address = email.strip().lower()[:254]
    limiter = ratelimit.current()
    if limiter is not None:
        limiter.check_login_account(address)
    operator = db.scalar(
        select(Operator)
        .where(Operator.email_bidx == blind_index("email", address))
        .with_for_update()
    )
    now = utcnow()
    if operator is not None and operator.locked_until is not None:
        if operator.locked_until > now:
            wait_s = max(1, int((operator.locked_until - now).total_seconds()))
            security.record(security.LOGIN_LOCKED, f"login while locked for {address}")
            raise AccountLocked(
                "Cuenta bloqueada temporalmente por intentos fallidos; "
                f"intente de nuevo en {wait_s // 60 + 1} min",
                headers={"Retry-After": str(wait_s)},
            )
    ok, new_hash = verify_and_update_password(
        password, operator.password_hash if operator else None
    )
    if not operator or not ok or not operator.is_active:
        security.record(security.LOGIN_FAILED, f"failed login for {address}", email=address)
        if operator is not None:
            _count_failure(db, operator, now)
            raise UnauthorizedRecorded("Incorrect e-mail or password")
        raise Unauthorized("Incorrect e-mail or password")
    set_session_actor(db, operator.id, operator.role.value)
    if operator.failed_login_count or operator.locked_until is not None:
        operator.failed_login_count = 0
        operator.locked_until = None
    operator.last_login_at = now
    if new_hash is not None:
        operator.password_hash = new_hash  # stored with older hashing parameters
    return operator


def _count_failure(db: Session, operator: Operator, now: datetime) -> None:
    settings = get_settings()
    operator.failed_login_count = (operator.failed_login_count or 0) + 1
    if operator.failed_login_count >= settings.login_lockout_attempts:
        operator.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        operator.failed_login_count = 0
        security.record(
            security.ACCOUNT_LOCKED,
            f"account {operator.email} locked for {settings.login_lockout_minutes} min",
            operator_id=operator.id,
        )
    db.flush()


def issue_tokens(db: Session, operator: Operator, family: str | None = None) -> TokenResponse:
    settings = get_settings()
    access = create_access_token(operator.id, operator.role.value)
    raw, digest = new_refresh_token()
    ttl = timedelta(days=settings.refresh_token_days)
    db.add(
        RefreshToken(
            operator_id=operator.id,
            token_hash=digest,
            family=family or secrets.token_hex(8),
            expires_at=utcnow() + ttl,
        )
    )
    db.flush()
    return TokenResponse(
        access_token=access.token,
        expires_in=access.expires_in,
        refresh_token=raw,
        refresh_expires_in=int(ttl.total_seconds()),
    )


def refresh(db: Session, raw_token: str) -> TokenResponse:
    row = db.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == sha256_hex(raw_token))
        .with_for_update()
    )
    if row is None:
        raise Unauthorized("Unknown refresh token")
    now = utcnow()
    if row.revoked_at is not None:
        # A rotated token came back: someone kept a copy. Cut the whole chain; the error
        # type commits the revocation instead of rolling it back with the request.
        _revoke_family(db, row.family)
        security.record("refresh_reuse", "refresh token reuse, family revoked")
        raise UnauthorizedRecorded("Refresh token already used; log in again")
    if row.expires_at <= now:
        raise Unauthorized("Refresh token expired; log in again")
    operator = db.get(Operator, row.operator_id)
    if operator is None or not operator.is_active:
        raise Unauthorized("The account no longer exists or is disabled")
    row.revoked_at = now
    return issue_tokens(db, operator, family=row.family)


def logout(db: Session, raw_token: str) -> None:
    row = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(raw_token)))
    if row is not None:
        _revoke_family(db, row.family)


def _revoke_family(db: Session, family: str) -> None:
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
