from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status

from uanl.api.deps import DB, AdminOnly, CurrentOperator
from uanl.api.listing import Listing, listing_params
from uanl.core.pagination import Page
from uanl.core.routing import SlashRouter
from uanl.models import Operator, Role
from uanl.operators import service
from uanl.operators.dependencies import ValidOperator
from uanl.operators.schemas import OperatorCreate, OperatorRead, OperatorReplace, OperatorUpdate

router = SlashRouter(prefix="/operators", tags=["operators"])

SORTS = {
    "id": Operator.id,
    "name": Operator.name,
    "created_at": Operator.created_at,
    "role": Operator.role,
}
OperatorListing = Annotated[
    Listing,
    Depends(
        listing_params(
            SORTS,
            "name",
            Operator.id,
            "e.g. name or -created_at (id, name, created_at, role; not e-mail, which is encrypted)",
        )
    ),
]


@router.get("/", response_model=Page[OperatorRead], summary="List operators")
def list_operators(
    db: DB,
    _: CurrentOperator,
    listing: OperatorListing,
    role: Role | None = None,
    is_active: bool | None = None,
    is_available: bool | None = None,
    skill: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Name contains it, or the e-mail is exactly it (e-mail is encrypted "
            "at rest, so it matches whole addresses only)",
        ),
    ] = None,
) -> Page[OperatorRead]:
    stmt = service.list_query(
        role=role, is_active=is_active, is_available=is_available, skill=skill, q=q
    )
    return listing.respond(db, stmt, OperatorRead.model_validate)


@router.post(
    "/",
    response_model=OperatorRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an operator (admin)",
)
def create_operator(body: OperatorCreate, db: DB, _: AdminOnly) -> OperatorRead:
    return OperatorRead.model_validate(service.create_operator(db, body))


@router.get("/{operator_id}", response_model=OperatorRead, summary="Get an operator")
def get_operator(operator: ValidOperator, _: CurrentOperator) -> OperatorRead:
    return OperatorRead.model_validate(operator)


@router.patch("/{operator_id}", response_model=OperatorRead, summary="Change some fields")
def patch_operator(
    operator: ValidOperator, body: OperatorUpdate, db: DB, actor: CurrentOperator
) -> OperatorRead:
    service.update_operator(db, operator, body, actor)
    return OperatorRead.model_validate(operator)


@router.put("/{operator_id}", response_model=OperatorRead, summary="Replace (admin)")
def put_operator(
    operator: ValidOperator, body: OperatorReplace, db: DB, actor: AdminOnly
) -> OperatorRead:
    update = OperatorUpdate.model_validate(body.model_dump())
    service.update_operator(db, operator, update, actor, full=True)
    return OperatorRead.model_validate(operator)


@router.delete(
    "/{operator_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Deactivate an operator (admin); history is kept",
)
def delete_operator(operator: ValidOperator, db: DB, actor: AdminOnly) -> None:
    service.deactivate_operator(db, operator, actor)
