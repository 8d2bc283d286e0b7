"""The demo seed with no explicit reference takes the clock's instant, and gives a sound
dataset at the awkward ones (issue 12, item 10): a Sunday night (already Monday in UTC), a
Mexican statutory holiday, and New Year's Eve one minute before midnight. The clock is moved
with time-machine; the same rows come out when that instant is passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from tests.demo.conftest import table_rows, visits_outside_desk_hours
from uanl.core import db as core_db
from uanl.demo.seed import seed_database
from uanl.models import (
    Call,
    ScheduledVisit,
    Ticket,
    TicketComment,
    TicketEvent,
    WatsonActivity,
)
from uanl.sla.holidays import mexico_official_holidays

MTY = ZoneInfo("America/Monterrey")
INSTANTS = {
    "sunday-night": datetime(2026, 12, 6, 23, 30, tzinfo=MTY),
    "holiday": datetime(2027, 2, 1, 10, 15, tzinfo=MTY),  # Día de la Constitución, a Monday
    "new-years-eve": datetime(2026, 12, 31, 23, 59, tzinfo=MTY),
}
DATED = (Ticket, TicketEvent, TicketComment, Call, WatsonActivity, ScheduledVisit)


@pytest.fixture(params=list(INSTANTS), ids=list(INSTANTS))
def instant(request: pytest.FixtureRequest) -> datetime:
    return INSTANTS[request.param]


def _dump() -> dict[str, list[dict[str, object]]]:
    return {model.__tablename__: table_rows(model) for model in DATED}


def test_the_seed_at_each_instant(
    instant: datetime, use_db: Callable[[Path], None], tmp_path: Path
) -> None:
    local = instant.astimezone(MTY)
    end_hour = min(12, local.hour)
    ends = local.replace(hour=end_hour, minute=0)
    if instant == INSTANTS["holiday"]:
        assert local.date() in {d for d, _ in mexico_official_holidays(local.year)}

    use_db(tmp_path / "clock")
    with time_machine.travel(instant, tick=False):
        summary = seed_database(tickets=400, seed=3, days=45)
    # The local day anchors the data (on Sunday 23:30 it is already Monday in UTC).
    assert f"up to {local.date().isoformat()} {end_hour:02d}:00 America/Monterrey" in summary
    with core_db.session_scope() as s:
        latest = {
            "tickets": s.scalar(select(func.max(Ticket.created_at))),
            "events": s.scalar(select(func.max(TicketEvent.created_at))),
            "comments": s.scalar(select(func.max(TicketComment.created_at))),
            "calls": s.scalar(select(func.max(Call.started_at))),
            "watson": s.scalar(select(func.max(WatsonActivity.created_at))),
            "resolved": s.scalar(select(func.max(Ticket.resolved_at))),
        }
        count = s.scalar(select(func.count()).select_from(Ticket))
    assert count == 400
    assert all(at is not None and at <= ends for at in latest.values()), latest
    visits, outside = visits_outside_desk_hours()
    assert visits > 0 and outside == []
    clocked = _dump()

    use_db(tmp_path / "explicit")
    seed_database(tickets=400, seed=3, days=45, now=instant)
    assert _dump() == clocked
