"""One error family rendered as RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://uanl-service-desk.dev/problems/"


class AppError(Exception):
    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class InvalidTransition(Conflict):
    title, slug = "Invalid state transition", "invalid-transition"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str = "Missing or invalid credentials", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class UnauthorizedRecorded(Unauthorized):
    """A 401 whose side effects (revocations, counters) are committed, not rolled back."""

    commit_anyway = True


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class ValidationFailed(AppError):
    status, title, slug = 422, "Validation failed", "validation"

    def __init__(self, field: str, reason: str, **kw: Any) -> None:
        loc = field.split(".")
        super().__init__(
            f"{field}: {reason}", errors=[{"field": field, "loc": loc, "reason": reason}], **kw
        )


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


BUSY_RETRY_AFTER_S = 2
BUSY_DETAIL = (
    "The server is busy: no database connection is free right now; nothing was saved. "
    "Retry in a few seconds."
)
UNAVAILABLE_DETAIL = "The database is unavailable; nothing was saved. Retry in a few seconds."


class ServerBusy(ServiceUnavailable):
    """Overload, not an outage: the database is up but this process has no capacity left."""

    title, slug = "Server busy", "server-busy"

    def __init__(self, detail: str = BUSY_DETAIL, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(BUSY_RETRY_AFTER_S)})
        super().__init__(detail, **kw)


# PostgreSQL refusing a connection because it has too many already is overload as well:
# the server answered. SQLSTATE 53300, but libpq reports no SQLSTATE for a refusal at
# connection time, so its messages are recognised too.
_BUSY_SQLSTATES = {"53300"}
_BUSY_MESSAGES = (
    "too many clients already",
    "too many connections for",
    "remaining connection slots are reserved",
)


def is_busy_error(exc: BaseException) -> bool:
    """Pool exhausted (sqlalchemy.exc.TimeoutError) or server out of connection slots."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return orig is not None and any(m in str(orig) for m in _BUSY_MESSAGES)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or str(status)),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        # Drop the "body"/"query" prefix from the dotted name but keep it in `loc`.
        name = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
        out.append(
            {
                "field": name,
                "loc": loc,
                "reason": err.get("msg", "invalid"),
                "type": err.get("type"),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem(
            422,
            "Validation failed",
            detail,
            slug="validation",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Unauthorized",
            403: "Forbidden",
            413: "Payload too large",
        }
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # Either way the transaction rolled back, nothing was written, and the same request
        # can simply be sent again. A pool that had no free connection within DB_POOL_TIMEOUT
        # is overload ("busy"); the database restarting or unreachable is an outage
        # ("unavailable"), and pool_pre_ping gives the next request a fresh connection once
        # the server is back.
        if is_busy_error(exc):
            logger.warning(
                "server busy on {} {}: {}", request.method, request.url.path, str(exc)[:200]
            )
            return await _app_error(request, ServerBusy())
        logger.warning(
            "database unavailable on {} {}: {}", request.method, request.url.path, str(exc)[:200]
        )
        return problem(
            503,
            "Service unavailable",
            UNAVAILABLE_DETAIL,
            slug="unavailable",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.opt(exception=exc).error(
            "unhandled error on {} {}", request.method, request.url.path
        )
        return problem(
            500,
            "Internal error",
            "An unexpected error occurred; it has been logged with the request id.",
            instance=request.url.path,
        )


SURROGATE_REASON = "contains an unpaired UTF-16 surrogate (not valid Unicode text)"


def refuse_surrogates(value: Any, field: str = "body") -> None:
    """Refuse text no database can store: JSON escapes such as \\udb3a are valid JSON but
    decode to unpaired surrogates. Checks strings inside dicts and lists too."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationFailed(field, SURROGATE_REASON) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_surrogates(key, field)
            refuse_surrogates(item, f"{field}.{key}" if field != "body" else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            refuse_surrogates(item, f"{field}[{n}]")
