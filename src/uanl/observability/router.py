"""GET /metrics (Prometheus text format) at the root, for an admin or the METRICS_TOKEN."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from uanl.api.deps import DB, oauth2_scheme, operator_for_token
from uanl.core.config import Settings
from uanl.core.errors import Forbidden
from uanl.models import Role
from uanl.observability import metrics
from uanl.observability.live import LiveCollector

router = APIRouter(tags=["operations"])


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def metrics_reader(
    request: Request, db: DB, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> None:
    expected = app_settings(request).metrics_token
    if token and expected and hmac.compare_digest(token.encode(), expected.encode()):
        return
    operator = operator_for_token(db, token)  # 401 without a valid token
    if operator.role != Role.admin:
        raise Forbidden("Metrics need an admin token or the METRICS_TOKEN")


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin token or METRICS_TOKEN)",
    response_class=Response,
    dependencies=[Depends(metrics_reader)],
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def prometheus_metrics(request: Request, db: DB) -> Response:
    settings = app_settings(request)
    body = metrics.render(settings, LiveCollector(settings, db))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
