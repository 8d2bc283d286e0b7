"""A client's profile figures the list endpoints do not answer: its CSAT answers and average."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uanl.models import Ticket

SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class CsatAnswer:
    ticket_id: int
    title: str
    score: int
    comment: str | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class ClientCsat:
    client_id: int
    responses: int
    average: float | None
    distribution: dict[int, int]
    answers: list[CsatAnswer]


def client_csat(db: Session, client_id: int, *, limit: int, offset: int = 0) -> ClientCsat:
    """Every CSAT answer on the client's tickets: count, mean, count per score, and the most
    recent answers first (`limit`/`offset` page the answers, not the figures)."""
    answered = (Ticket.client_id == client_id, Ticket.csat_score.is_not(None))
    by_score = select(Ticket.csat_score, func.count()).where(*answered).group_by(Ticket.csat_score)
    counts = {int(s or 0): int(n) for s, n in db.execute(by_score).all()}
    distribution = {score: counts.get(score, 0) for score in SCORES}
    responses = sum(counts.values())
    total = sum(score * n for score, n in counts.items())
    rows = db.execute(
        select(Ticket.id, Ticket.title, Ticket.csat_score, Ticket.csat_comment)
        .add_columns(Ticket.csat_submitted_at)
        .where(*answered)
        .order_by(Ticket.csat_submitted_at.desc().nulls_last(), Ticket.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return ClientCsat(
        client_id=client_id,
        responses=responses,
        average=round(total / responses, 2) if responses else None,
        distribution=distribution,
        answers=[CsatAnswer(*row) for row in rows],
    )
