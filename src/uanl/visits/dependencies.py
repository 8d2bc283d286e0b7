from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from uanl.api.deps import path_row
from uanl.models import ScheduledVisit

ValidVisit = Annotated[ScheduledVisit, Depends(path_row(ScheduledVisit, "visit_id", "Visit"))]
