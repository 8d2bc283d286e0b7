from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from uanl.api.deps import DB, CurrentOperator
from uanl.core.crud import get_or_404
from uanl.core.validators import MAX_ID
from uanl.models import ScheduledVisit


def valid_visit(
    db: DB, _: CurrentOperator, visit_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ScheduledVisit:
    return get_or_404(db, ScheduledVisit, visit_id, "Visit")


ValidVisit = Annotated[ScheduledVisit, Depends(valid_visit)]
