"""`{items, total, limit, offset}` pages and the query parameters that ask for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    total_is_estimate: bool = Field(
        False,
        description="True when more than 10,000 rows match: `total` is then the database "
        "planner's estimate instead of an exact count",
    )


class PageParams(BaseModel):
    limit: int = 50
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (1-500)")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


EXACT_COUNT_LIMIT = 10_000


class _Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _explain_pg(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def count_rows(
    session: Session, stmt: Select[Any], exact_limit: int = EXACT_COUNT_LIMIT
) -> tuple[int, bool]:
    """Exact count up to EXACT_COUNT_LIMIT; past it, PostgreSQL's estimate (flagged).

    Counting a million matching rows costs a full scan per page request; a pager only
    needs to know the size roughly once it is that large.
    """
    base = stmt.order_by(None)
    if session.get_bind().dialect.name != "postgresql":
        exact = session.scalar(select(func.count()).select_from(base.subquery()))
        return int(exact or 0), False
    capped = base.limit(exact_limit + 1).subquery()
    n = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    if n <= exact_limit:
        return n, False
    plan = session.execute(_Explain(base)).scalar()
    estimate = int(plan[0]["Plan"]["Plan Rows"]) if plan else n
    return max(estimate, n), True


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    total, _ = count_rows(session, stmt)
    items = list(session.scalars(stmt.limit(params.limit).offset(params.offset)))
    return items, total


def paginate_page(
    session: Session,
    stmt: Select[Any],
    params: PageParams,
    convert: Any,
    exact_limit: int = EXACT_COUNT_LIMIT,
) -> Page[Any]:
    """Run the page and the count; `convert` maps each row to its response model."""
    total, estimated = count_rows(session, stmt, exact_limit)
    items = list(session.scalars(stmt.limit(params.limit).offset(params.offset)))
    return Page(
        items=[convert(i) for i in items],
        total=total,
        limit=params.limit,
        offset=params.offset,
        total_is_estimate=estimated,
    )


def parse_sort(sort: str | None, allowed: Mapping[str, Any], default: str) -> list[Any]:
    """`sort=-created_at,priority` -> ORDER BY clauses; unknown fields raise ValueError."""
    from sqlalchemy import asc, desc

    out = []
    for part in (sort or default).split(","):
        part = part.strip()
        if not part:
            continue
        direction = desc if part.startswith("-") else asc
        name = part.lstrip("+-")
        if name not in allowed:
            raise ValueError(f"cannot sort by {name!r}; allowed: {', '.join(sorted(allowed))}")
        out.append(direction(allowed[name]))
    return out
