from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from uanl.api.deps import DB, CurrentOperator
from uanl.core.crud import get_or_404
from uanl.core.validators import MAX_ID
from uanl.models import Operator


def valid_operator(
    db: DB, _: CurrentOperator, operator_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Operator:
    return get_or_404(db, Operator, operator_id, "Operator")


ValidOperator = Annotated[Operator, Depends(valid_operator)]
