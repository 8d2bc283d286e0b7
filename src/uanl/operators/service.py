from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from uanl.core.crud import apply_changes, ensure_unused, flush_or_conflict
from uanl.core.crypto import blind_index
from uanl.core.errors import Conflict, Forbidden, ValidationFailed
from uanl.core.events import publish
from uanl.core.security import WeakPassword, check_password_strength, hash_password
from uanl.models import Operator, Role
from uanl.operators.events import OperatorDeactivated
from uanl.operators.schemas import SELF_EDITABLE, OperatorCreate, OperatorUpdate


def _hash_checked(password: str, email: str) -> str:
    try:
        check_password_strength(password, email=email)
    except WeakPassword as exc:
        raise ValidationFailed("password", f"password {exc}") from exc
    return hash_password(password)


def _ensure_email_free(db: Session, email: str, exclude_id: int | None = None) -> None:
    taken = Conflict(f"An operator with e-mail {email} already exists", field="email")
    ensure_unused(db, Operator.email_bidx, "email", email, exclude_id, taken)


def create_operator(db: Session, data: OperatorCreate) -> Operator:
    _ensure_email_free(db, data.email)
    values = data.model_dump(exclude={"password"})
    operator = Operator(
        **values, password_hash=_hash_checked(data.password.get_secret_value(), data.email)
    )
    db.add(operator)
    flush_or_conflict(db, f"An operator with e-mail {data.email} already exists")
    return operator


def update_operator(
    db: Session, operator: Operator, data: OperatorUpdate, actor: Operator, *, full: bool = False
) -> dict[str, list[Any]]:
    values = data.model_dump(exclude_unset=not full)
    password = values.pop("password", None)
    if actor.role != Role.admin:
        if actor.id != operator.id:
            raise Forbidden("Only admins can change other operators")
        forbidden = (set(data.model_fields_set) - SELF_EDITABLE) if not full else {"role"}
        if forbidden:
            raise Forbidden(f"You cannot change your own {', '.join(sorted(forbidden))}")
    if (
        actor.id == operator.id
        and values.get("role") not in (None, Role.admin)
        and (operator.role == Role.admin and _admin_count(db) <= 1)
    ):
        raise Conflict("You are the last admin; another admin must exist first", field="role")
    if values.get("email") is not None:
        _ensure_email_free(db, values["email"], exclude_id=operator.id)
    values = {k: v for k, v in values.items() if v is not None or k == "phone"}
    changes = apply_changes(operator, values)
    if password is not None:
        operator.password_hash = _hash_checked(password.get_secret_value(), operator.email)
        changes["password"] = ["***", "***"]
    flush_or_conflict(db, "An operator with that e-mail already exists")
    return changes


def _admin_count(db: Session) -> int:
    return int(
        db.scalar(
            select(func.count()).where(Operator.role == Role.admin, Operator.is_active.is_(True))
        )
        or 0
    )


def deactivate_operator(db: Session, operator: Operator, actor: Operator) -> None:
    """Operators are never deleted: their tickets and calls keep pointing at them."""
    if operator.id == actor.id:
        raise Conflict("You cannot deactivate your own account")
    operator.is_active = False
    operator.is_available = False
    db.flush()
    publish(db, OperatorDeactivated(operator.id, actor.id))  # assignment releases the tickets


def list_query(
    *,
    role: Role | None,
    is_active: bool | None,
    is_available: bool | None,
    skill: str | None,
    q: str | None,
) -> Select[Operator]:
    stmt = select(Operator)
    if role is not None:
        stmt = stmt.where(Operator.role == role)
    if is_active is not None:
        stmt = stmt.where(Operator.is_active.is_(is_active))
    if is_available is not None:
        stmt = stmt.where(Operator.is_available.is_(is_available))
    if q:
        # The e-mail is encrypted: it matches whole addresses only, through its blind index.
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Operator.name).like(like),
                Operator.email_bidx == blind_index("email", q),
            )
        )
    if skill:
        # Skills are a short JSON list; a text match keeps it portable across backends.
        stmt = stmt.where(
            func.lower(func.cast(Operator.skills, _text_type())).like(f'%"{skill.lower()}"%')
        )
    return stmt


def _text_type() -> Any:
    from sqlalchemy import Text

    return Text()
