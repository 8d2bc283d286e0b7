from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from uanl.api.deps import path_row
from uanl.models import Operator

ValidOperator = Annotated[Operator, Depends(path_row(Operator, "operator_id", "Operator"))]
