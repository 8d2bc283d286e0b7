"""APIRouter that answers a collection path with and without its trailing slash.

Starlette would otherwise answer `/tickets` with a 307 to `/tickets/`, which many HTTP
clients do not follow for POST and which breaks behind a TLS-terminating proxy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class SlashRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        full = self.prefix + path
        if full.endswith("/") and len(full) > 1:
            alt = dict(kwargs)
            alt["include_in_schema"] = False
            if alt.get("operation_id"):
                alt["operation_id"] = alt["operation_id"] + "_noslash"
            super().add_api_route(path.rstrip("/") if path != "/" else "", endpoint, **alt)
