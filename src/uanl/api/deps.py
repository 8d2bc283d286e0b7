"""Who is calling: the request's session, the operator behind the bearer token, role checks,
and the path ids every domain shares."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import jwt
from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from uanl.core.context import cached_claims
from uanl.core.crud import get_or_404
from uanl.core.db import get_db
from uanl.core.errors import Forbidden, Unauthorized
from uanl.core.security import decode_access_token
from uanl.core.validators import MAX_ID
from uanl.models import Operator, Role, Ticket

M = TypeVar("M")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

DB = Annotated[Session, Depends(get_db, scope="function")]


def current_operator(
    request: Request, db: DB, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Operator:
    # The audit middleware has already verified this request's bearer token (the same
    # header); it is decoded again only to say why it failed.
    return operator_for_token(db, token, cached_claims(request.scope))


def operator_for_token(
    db: Session, token: str | None, verified: dict[str, Any] | None = None
) -> Operator:
    """The active operator behind an access token (`verified`: its claims, already checked)."""
    if not token:
        raise Unauthorized("Not authenticated: send 'Authorization: Bearer <token>'")
    try:
        claims = verified or decode_access_token(token)
        operator_id = int(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token expired; refresh it or log in again") from exc
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise Unauthorized("Invalid token") from exc
    operator = db.get(Operator, operator_id)
    if operator is None or not operator.is_active:
        raise Unauthorized("The account behind this token no longer exists or is disabled")
    return operator


CurrentOperator = Annotated[Operator, Depends(current_operator)]


def require_roles(*roles: Role) -> Callable[[Operator], Operator]:
    allowed = set(roles)

    def _check(operator: CurrentOperator) -> Operator:
        if operator.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"This action needs one of the roles: {names}")
        return operator

    return _check


AdminOnly = Annotated[Operator, Depends(require_roles(Role.admin))]
SupervisorOrAdmin = Annotated[Operator, Depends(require_roles(Role.admin, Role.supervisor))]
AnyStaff = CurrentOperator


PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A row id in a path: 1 to MAX_ID, else a 422."""


def path_dependency(param: str, load: Callable[[Session, int, Operator], M]) -> Callable[..., M]:
    """A dependency resolving the path's `{param}` id with `load(db, id, operator)`, once the
    caller is known to be signed in (rule 5: a loaded row or an error, never in the route)."""

    def resolve(db: Session, operator: Operator, **path: int) -> M:
        return load(db, path[param], operator)

    # FastAPI reads the parameters from the signature; the path parameter's name is `param`.
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("db", kind, annotation=DB),
            inspect.Parameter("operator", kind, annotation=CurrentOperator),
            inspect.Parameter(param, kind, annotation=PathId),
        ]
    )
    return resolve


def path_row(model: type[M], param: str, what: str) -> Callable[..., M]:
    """A dependency for `{param}`: the `model` row with that id, or a 404 naming `what`."""

    def load(db: Session, row_id: int, _: Operator) -> M:
        return get_or_404(db, model, row_id, what)

    return path_dependency(param, load)


# The `{ticket_id}` of a path (the tickets' and the SLA's routes), or a 404.
ValidTicket = Annotated[Ticket, Depends(path_row(Ticket, "ticket_id", "Ticket"))]
