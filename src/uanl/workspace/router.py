"""`/api/v1/views`: the signed-in operator's saved inbox views (anyone's own, nobody else's)."""

from __future__ import annotations

from fastapi import Response, status

from uanl.api.deps import DB, CurrentOperator, PathId
from uanl.core.routing import SlashRouter
from uanl.workspace import service
from uanl.workspace.schemas import SavedViewCreate, SavedViewRead

router = SlashRouter(prefix="/views", tags=["workspace"])


@router.get("/", response_model=list[SavedViewRead], summary="My saved inbox views")
def list_views(db: DB, me: CurrentOperator) -> list[SavedViewRead]:
    return [SavedViewRead.model_validate(v) for v in service.list_views(db, me)]


@router.post(
    "/",
    response_model=SavedViewRead,
    status_code=status.HTTP_201_CREATED,
    summary="Save a named set of inbox filters (409 if the name is taken)",
)
def create_view(body: SavedViewCreate, db: DB, me: CurrentOperator) -> SavedViewRead:
    return SavedViewRead.model_validate(service.create_view(db, me, body))


@router.delete(
    "/{view_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete one of my views"
)
def delete_view(view_id: PathId, db: DB, me: CurrentOperator) -> Response:
    service.delete_view(db, me, view_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
