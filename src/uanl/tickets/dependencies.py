from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from uanl.auth.dependencies import DB, CurrentOperator
from uanl.core.crud import get_or_404
from uanl.core.validators import MAX_ID
from uanl.models import Ticket


def valid_ticket(
    db: DB, _: CurrentOperator, ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Ticket:
    return get_or_404(db, Ticket, ticket_id, "Ticket")


ValidTicket = Annotated[Ticket, Depends(valid_ticket)]
