"""Bootstrap accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select

from uanl.core.crypto import blind_index
from uanl.core.db import session_scope
from uanl.core.security import hash_password
from uanl.models import Operator, Role


def ensure_admin(email: str, password: str, name: str = "Administrador") -> bool:
    """Create the admin, or reset an existing account to active admin with this password."""
    email = email.strip().lower()
    with session_scope() as db:
        operator = db.scalar(
            select(Operator).where(Operator.email_bidx == blind_index("email", email))
        )
        if operator is None:
            db.add(
                Operator(
                    name=name,
                    email=email,
                    role=Role.admin,
                    password_hash=hash_password(password),
                    skills=[],
                    max_open_tickets=0,
                    is_available=False,
                )
            )
            return True
        operator.role = Role.admin
        operator.is_active = True
        operator.password_hash = hash_password(password)
        return False
