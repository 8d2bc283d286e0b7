from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor_id: int | None
    actor_label: str
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    changes: dict[str, Any]
    ip: str | None
    request_id: str | None


class SecurityEvents(BaseModel):
    since: datetime
    total: int
    counts: dict[str, int]
