"""422 for a NUL character (`%00`) in any query parameter or path segment (pure ASGI).

PostgreSQL text cannot hold U+0000: a `?q=a%00b` reaching a query would be a psycopg
DataError (500). Refusing it here covers every route, declared parameters or not, before
any authentication or database work; request bodies are checked by the schemas
(`uanl.core.schemas.NoNul`). The problem names the parameter: `loc: ["query", name]` or
`["path", name]` (the route's parameter name when a documented route matches, else
`["path"]`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from uanl.core.asgi import HttpMiddleware
from uanl.core.errors import problem
from uanl.core.validators import NUL, NUL_REASON


def _shown(name: str) -> str:
    return name.replace(NUL, "\\u0000")


def query_offenders(query_string: bytes) -> list[str]:
    """Names of the query parameters whose name or value holds a NUL (in order, once)."""
    if b"%00" not in query_string and b"\x00" not in query_string:
        return []
    out: list[str] = []
    # Decoded the way Starlette decodes request.query_params.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if (NUL in name or NUL in value) and _shown(name) not in out:
            out.append(_shown(name))
    return out


def path_offenders(scope: Scope) -> list[str]:
    """The path parameters that hold a NUL, read off the documented route templates
    (`app.openapi()`, built once and cached by FastAPI); none when no template matches."""
    app = scope.get("app")
    try:
        templates = list(app.openapi()["paths"]) if app is not None else []
    except Exception:  # noqa: BLE001 - naming the parameter is a nicety, never a 500
        return []
    path = scope.get("path", "")
    for template in templates:
        if "{" not in template:
            continue
        regex, _fmt, _convertors = compile_path(template)
        match = regex.match(path)
        if match is not None:
            names = [k for k, v in match.groupdict().items() if NUL in v]
            if names:
                return names
    return []


class RefuseNulMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        errors: list[dict[str, Any]] = []
        path = scope.get("path", "")
        if NUL in path:
            names = path_offenders(scope)
            errors += [{"field": n, "loc": ["path", n], "reason": NUL_REASON} for n in names]
            if not names:  # no route has this path: name the path itself
                errors.append({"field": "path", "loc": ["path"], "reason": NUL_REASON})
        for name in query_offenders(scope.get("query_string", b"")):
            errors.append({"field": name, "loc": ["query", name], "reason": NUL_REASON})
        if not errors:
            await self.app(scope, receive, send)
            return
        response = problem(
            422,
            "Validation failed",
            "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]),
            slug="validation",
            instance=_shown(path),
            errors=errors,
        )
        await response(scope, receive, send)
