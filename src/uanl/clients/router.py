from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status

from uanl.api.deps import DB, CurrentOperator, SupervisorOrAdmin, path_row
from uanl.api.listing import Listing, listing_params
from uanl.clients import service
from uanl.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.models import Client, ClientTier

router = SlashRouter(prefix="/clients", tags=["clients"])

SORTS = {"id": Client.id, "name": Client.name, "created_at": Client.created_at, "tier": Client.tier}
ClientListing = Annotated[Listing, Depends(listing_params(SORTS, "name", Client.id))]
ValidClient = Annotated[Client, Depends(path_row(Client, "client_id", "Client"))]


@router.get("/", response_model=Page[ClientRead], summary="List clients")
def list_clients(
    db: DB,
    _: CurrentOperator,
    listing: ClientListing,
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
) -> Page[ClientRead]:
    return listing.respond(db, service.list_query(tier=tier, q=q), ClientRead.model_validate)


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
