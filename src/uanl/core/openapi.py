"""The OpenAPI document says what the API really answers: errors are problem+json.

FastAPI documents only the success response and a 422 as `application/json`
(`HTTPValidationError`). Every error we send is RFC 9457 `application/problem+json`
(core/errors.py), and any operation can answer these statuses: authentication (401), roles
(403), ids that do not exist (404), state conflicts (409), oversized bodies (413),
validation (422), rate limits (429) and a database or broker outage (503). Clients
generated from the document (and the fuzzer in tests/fuzz) rely on it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from uanl.core.errors import PROBLEM_JSON

ERROR_RESPONSES: dict[str, str] = {
    "400": "Bad request (`detail` says why)",
    "401": "Missing, expired or revoked credentials",
    "403": "The caller's role may not do this",
    "404": "No such resource",
    "409": "Conflicts with the resource's current state",
    "413": "Request body too large",
    "422": "Validation failed; `errors` lists each field and the reason",
    "429": "Rate limit exceeded; see Retry-After",
    "503": "A dependency (database, broker, integration) is unavailable; retry later",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def add_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Document the problem+json error responses on every operation (in place)."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                entry = responses.setdefault(status, {"description": description})
                entry["content"] = {**_kept_content(entry), **problem}
    schemas = document["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def _kept_content(entry: dict[str, Any]) -> dict[str, Any]:
    """Media types an error may also come in (an HTML page's errors are HTML pages); the
    placeholder JSON FastAPI adds (`HTTPValidationError`, or no schema at all) goes."""
    kept = {}
    for media_type, body in (entry.get("content") or {}).items():
        ref = str((body.get("schema") or {}).get("$ref", ""))
        if media_type == "application/json" and (not body.get("schema") or "HTTPValid" in ref):
            continue
        kept[media_type] = body
    return kept


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
