"""The app of `uanl serve` plus one bench-only route: the cheapest authenticated durable write.

`POST /api/v1/_bench/min-insert` authenticates like every route (bearer token, operator
loaded), validates a small body, INSERTs one ticket row (its indexes and triggers run) and
commits. No history, audit, SLA, notifications or assignment: it is the floor under any
ticket creation this stack can serve. Used only by bench/write_floor.py; never installed in
the product. Run as `python bench/_floor_app.py --port P --workers N` (the options
`uanl serve` passes to uvicorn).
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import insert

from uanl.api.deps import DB, CurrentOperator
from uanl.app import create_app
from uanl.models import Ticket, TicketPriority, TicketSource, TicketState, utcnow

ROUTE = "/api/v1/_bench/min-insert"


class MinTicket(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    priority: TicketPriority = TicketPriority.medium
    category: str | None = Field(None, max_length=60)
    client_id: int | None = None
    source: TicketSource = TicketSource.api


def create() -> FastAPI:
    app = create_app()

    @app.post(ROUTE, status_code=201)
    def min_insert(body: MinTicket, db: DB, actor: CurrentOperator) -> dict[str, Any]:
        now = utcnow()
        stmt = insert(Ticket).values(
            **body.model_dump(),
            state=TicketState.new,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        new_id = db.execute(stmt.returning(Ticket.id)).scalar_one()
        return {"id": new_id, "title": body.title, "created_at": now.isoformat()}

    return app


def main() -> None:
    import uvicorn

    from uanl.core.config import get_settings
    from uanl.core.logging import setup_logging

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    settings = get_settings()
    setup_logging(json=settings.is_production, level=settings.log_level)
    uvicorn.run(
        "_floor_app:create",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_config=None,
        proxy_headers=True,
        access_log=False,
    )


if __name__ == "__main__":
    main()
