"""Routes of the operators' console (kept out of the OpenAPI schema: they are not the API).

The pages are public static files with no data in them; everything they show comes from the
token-protected API. Plotly's bundle is served from the installed `plotly` wheel, so nothing
is fetched from a CDN.
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.staticfiles import PathLike
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
ASSETS_PREFIX = "/console"
PLOTLY_PATH = f"{ASSETS_PREFIX}/vendor/plotly.min.js"
# Browsers revalidate the pages and modules (they change with each release) with the ETag.
REVALIDATE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def plotly_bundle() -> Path:
    """plotly.min.js inside the installed `plotly` package."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():
        raise RuntimeError(f"plotly.min.js not found at {path}: reinstall the `plotly` package")
    return path


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=REVALIDATE)


@router.get(ASSETS_PREFIX)
def console_root() -> RedirectResponse:
    return RedirectResponse("/")


@lru_cache(maxsize=1)
def plotly_gzipped() -> bytes:
    """The bundle gzip-compressed once per process (4.8 MB -> ~1.4 MB on the wire)."""
    return gzip.compress(plotly_bundle().read_bytes(), compresslevel=9, mtime=0)


@router.api_route(PLOTLY_PATH, methods=["GET", "HEAD"])
def plotly_js(accept_encoding: Annotated[str, Header()] = "") -> Response:
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in accept_encoding.lower():
        headers["Content-Encoding"] = "gzip"
        return Response(plotly_gzipped(), media_type="text/javascript", headers=headers)
    return FileResponse(plotly_bundle(), media_type="text/javascript", headers=headers)


class ConsoleFiles(StaticFiles):
    """Static files with an explicit JavaScript type (module scripts need it under nosniff)."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if str(full_path).endswith(".js"):
            response.headers["content-type"] = "text/javascript; charset=utf-8"
        response.headers.update(REVALIDATE)
        return response


def install_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(f"{ASSETS_PREFIX}/static", ConsoleFiles(directory=STATIC_DIR), name="console")
