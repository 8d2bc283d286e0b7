"""List endpoints: the `limit`/`offset`/`sort` query parameters and the page they answer with.

A router states what is its own (the sortable columns, the default order, the filters) and
declares one parameter:

    CallListing = Annotated[Listing, Depends(listing_params(SORTS, "-started_at", Call.id.desc()))]

    def list_calls(db: DB, _: CurrentOperator, listing: CallListing, ...) -> Page[CallRead]:
        return listing.respond(db, service.list_query(...), CallRead.model_validate)
"""

# No `from __future__ import annotations`: `listing_params()` builds its dependency's annotations
# at run time (the sort parameter's description), and FastAPI reads them as objects.

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select
from sqlalchemy.orm import Session

from uanl.core.errors import ValidationFailed
from uanl.core.pagination import (
    EXACT_COUNT_LIMIT,
    Page,
    PageParams,
    count_rows,
    page_params,
    parse_sort,
)

Paging = Annotated[PageParams, Depends(page_params)]
"""`limit` and `offset` alone, for lists with one fixed order."""


def page_of(
    db: Session,
    stmt: Select[Any],
    page: PageParams,
    convert: Callable[[Any], Any],
    *,
    exact_limit: int = EXACT_COUNT_LIMIT,
    flag_estimate: bool = True,
) -> Page[Any]:
    """One page of `stmt` (already ordered): the count, the rows, each row `convert`ed.

    `flag_estimate=False` keeps `total_is_estimate` false even when `total` is the planner's
    estimate: what the notifications' and the SLA lists have always answered.
    """
    total, estimated = count_rows(db, stmt, exact_limit)
    rows = db.scalars(stmt.limit(page.limit).offset(page.offset))
    return Page(
        items=[convert(row) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        total_is_estimate=estimated and flag_estimate,
    )


@dataclass
class Listing:
    """A list request's page and order (the order is checked when first asked for)."""

    page: PageParams
    sort: str | None
    sorts: Mapping[str, Any]
    default: str
    tiebreak: Any
    _order: list[Any] | None = field(default=None, repr=False)

    def order(self) -> list[Any]:
        """ORDER BY clauses: `sort` (or the default), then the tiebreak; a bad sort is a 422."""
        if self._order is None:
            try:
                self._order = [*parse_sort(self.sort, self.sorts, self.default), self.tiebreak]
            except ValueError as exc:
                raise ValidationFailed("sort", str(exc)) from exc
        return self._order

    def respond(
        self,
        db: Session,
        stmt: Select[Any],
        convert: Callable[[Any], Any],
        *,
        exact_limit: int = EXACT_COUNT_LIMIT,
        flag_estimate: bool = True,
    ) -> Page[Any]:
        """The page of `stmt` in this listing's order."""
        ordered = stmt.order_by(*self.order())
        return page_of(
            db,
            ordered,
            self.page,
            convert,
            exact_limit=exact_limit,
            flag_estimate=flag_estimate,
        )


def listing_params(
    sorts: Mapping[str, Any], default: str, tiebreak: Any, description: str | None = None
) -> Callable[..., Listing]:
    """The dependency for a list: `sort` (one of `sorts`' keys, `-` for descending; a comma
    list), then `limit` and `offset`. Rows that sort equal are ordered by `tiebreak`."""
    SortQuery = Annotated[str | None, Query(description=description)]

    def dependency(page: Paging, sort: SortQuery = None) -> Listing:
        return Listing(page, sort, sorts, default, tiebreak)

    return dependency
