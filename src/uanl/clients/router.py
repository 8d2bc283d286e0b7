from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, status

from uanl.api.deps import DB, CurrentOperator, SupervisorOrAdmin
from uanl.clients import service
from uanl.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from uanl.core.crud import get_or_404
from uanl.core.errors import ValidationFailed
from uanl.core.pagination import Page, PageParams, page_params, paginate_page, parse_sort
from uanl.core.routing import SlashRouter
from uanl.core.validators import MAX_ID
from uanl.models import Client, ClientTier

router = SlashRouter(prefix="/clients", tags=["clients"])

SORTS = {"id": Client.id, "name": Client.name, "created_at": Client.created_at, "tier": Client.tier}


def valid_client(
    db: DB, _: CurrentOperator, client_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Client:
    return get_or_404(db, Client, client_id, "Client")


ValidClient = Annotated[Client, Depends(valid_client)]


@router.get("/", response_model=Page[ClientRead], summary="List clients")
def list_clients(
    db: DB,
    _: CurrentOperator,
    page: Annotated[PageParams, Depends(page_params)],
    tier: ClientTier | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Name or contact name contains it, or the e-mail or RFC is exactly "
            "it (case-insensitive; e-mail and RFC are encrypted at rest, so they match whole "
            "values only)",
        ),
    ] = None,
    sort: str | None = None,
) -> Page[ClientRead]:
    try:
        order = parse_sort(sort, SORTS, "name")
    except ValueError as exc:
        raise ValidationFailed("sort", str(exc)) from exc
    return paginate_page(
        db,
        service.list_query(tier=tier, q=q).order_by(*order, Client.id),
        page,
        ClientRead.model_validate,
    )


@router.post(
    "/", response_model=ClientRead, status_code=status.HTTP_201_CREATED, summary="Create a client"
)
def create_client(body: ClientCreate, db: DB, _: CurrentOperator) -> ClientRead:
    return ClientRead.model_validate(service.create_client(db, body))


@router.get("/{client_id}", response_model=ClientRead, summary="Get a client")
def get_client(client: ValidClient, _: CurrentOperator) -> ClientRead:
    return ClientRead.model_validate(client)


@router.patch("/{client_id}", response_model=ClientRead, summary="Change some fields")
def patch_client(client: ValidClient, body: ClientUpdate, db: DB, _: CurrentOperator) -> ClientRead:
    service.update_client(db, client, body)
    return ClientRead.model_validate(client)


@router.put("/{client_id}", response_model=ClientRead, summary="Replace a client")
def put_client(client: ValidClient, body: ClientCreate, db: DB, _: CurrentOperator) -> ClientRead:
    service.update_client(db, client, ClientUpdate.model_validate(body.model_dump()), full=True)
    return ClientRead.model_validate(client)


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a client with no history (supervisor/admin)",
)
def delete_client(client: ValidClient, db: DB, _: SupervisorOrAdmin) -> None:
    service.delete_client(db, client)
