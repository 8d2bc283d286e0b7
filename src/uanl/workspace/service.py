"""Saved views: an operator's named inbox filters, visible to that operator only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uanl.core.crud import flush_or_conflict
from uanl.core.errors import Conflict, NotFound, ValidationFailed
from uanl.models import Operator, SavedView
from uanl.workspace.schemas import SavedViewCreate

MAX_VIEWS_PER_OPERATOR = 50


def list_views(db: Session, operator: Operator) -> Sequence[SavedView]:
    stmt = (
        select(SavedView)
        .where(SavedView.operator_id == operator.id)
        .order_by(func.lower(SavedView.name), SavedView.id)
    )
    return db.scalars(stmt).all()


def _name_taken(db: Session, operator: Operator, name: str) -> bool:
    stmt = select(SavedView.id).where(
        SavedView.operator_id == operator.id, func.lower(SavedView.name) == name.lower()
    )
    return db.scalar(stmt) is not None


def create_view(db: Session, operator: Operator, data: SavedViewCreate) -> SavedView:
    if _name_taken(db, operator, data.name):
        raise Conflict(f"You already have a view named {data.name!r}", field="name")
    count = db.scalar(
        select(func.count()).select_from(SavedView).where(SavedView.operator_id == operator.id)
    )
    if (count or 0) >= MAX_VIEWS_PER_OPERATOR:
        raise ValidationFailed(
            "name", f"at most {MAX_VIEWS_PER_OPERATOR} saved views; delete one first"
        )
    view = SavedView(
        operator_id=operator.id,
        name=data.name,
        filters=data.filters.model_dump(mode="json", exclude_none=True),
    )
    db.add(view)
    flush_or_conflict(db, f"You already have a view named {data.name!r}")
    return view


def own_view(db: Session, operator: Operator, view_id: int) -> SavedView:
    """The operator's view; someone else's is as absent as a missing one (404)."""
    view = db.get(SavedView, view_id)
    if view is None or view.operator_id != operator.id:
        raise NotFound(f"Saved view {view_id} does not exist")
    return view


def delete_view(db: Session, operator: Operator, view_id: int) -> None:
    db.delete(own_view(db, operator, view_id))
    db.flush()
