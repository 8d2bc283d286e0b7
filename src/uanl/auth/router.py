from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from uanl.api.deps import DB, CurrentOperator
from uanl.auth import service
from uanl.auth.schemas import RefreshRequest, TokenResponse
from uanl.operators.schemas import OperatorRead

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse, summary="Log in (OAuth2 password flow)")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB) -> TokenResponse:
    """`username` is the operator's e-mail."""
    operator = service.authenticate(db, form.username, form.password)
    return service.issue_tokens(db, operator)


@router.post("/refresh", response_model=TokenResponse, summary="Exchange a refresh token")
def refresh(body: RefreshRequest, db: DB) -> TokenResponse:
    return service.refresh(db, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a refresh token")
def logout(body: RefreshRequest, db: DB, _: CurrentOperator) -> None:
    service.logout(db, body.refresh_token)


@router.get("/me", response_model=OperatorRead, summary="The logged-in operator")
def me(operator: CurrentOperator) -> OperatorRead:
    return OperatorRead.model_validate(operator)
