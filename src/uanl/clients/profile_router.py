"""Read endpoints of a client's profile page (GET /clients/{client_id}/csat)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import BaseModel, Field

from uanl.api.deps import DB, CurrentOperator
from uanl.clients import profile
from uanl.core.crud import get_or_404
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import Client

router = SlashRouter(prefix="/clients", tags=["clients"])


def _client(db: DB, _: CurrentOperator, client_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Client:
    return get_or_404(db, Client, client_id, "Client")


ValidClient = Annotated[Client, Depends(_client)]


class CsatAnswerRead(BaseModel):
    ticket_id: int
    title: str
    score: int
    comment: str | None
    submitted_at: datetime | None


class ClientCsatRead(BaseModel):
    client_id: int
    responses: int = Field(description="Tickets of this client with a CSAT answer")
    average: float | None = Field(description="Mean score (1-5), null without answers")
    distribution: dict[int, int] = Field(description="Answers per score, 1 to 5")
    answers: list[CsatAnswerRead] = Field(description="Most recent first, paged")


@router.get(
    "/{client_id}/csat",
    response_model=ClientCsatRead,
    summary="A client's CSAT answers, average and distribution",
)
def client_csat(
    client: ValidClient,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=100, description="Answers per page (1-100)")] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ClientCsatRead:
    result = profile.client_csat(db, client.id, limit=limit, offset=offset)
    return ClientCsatRead.model_validate(result, from_attributes=True)
