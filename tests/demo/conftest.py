"""The demo seed's tests: a fresh, migrated SQLite data dir per call, and row dumps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from uanl.core import db as core_db
from uanl.core import migrate
from uanl.core.config import get_settings
from uanl.models import ScheduledVisit
from uanl.visits.scheduling import desk_calendar


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point settings and the engine at a fresh, migrated SQLite data dir (restored after)."""
    saved = (core_db._engine, core_db._session_factory)

    def use(data_dir: Path) -> None:
        data_dir.mkdir(parents=True)
        monkeypatch.setenv("UANL_DATA_DIR", str(data_dir))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        get_settings.cache_clear()
        url = f"sqlite:///{data_dir / 'uanl.db'}"
        if core_db._engine is not None and core_db._engine is not saved[0]:
            core_db._engine.dispose()
        core_db._engine = None
        core_db.configure(url=url)
        migrate.upgrade("head", url=url)

    yield use
    if core_db._engine is not None and core_db._engine is not saved[0]:
        core_db._engine.dispose()
    core_db._engine, core_db._session_factory = saved
    monkeypatch.undo()
    get_settings.cache_clear()


def table_rows(model: Any) -> list[dict[str, Any]]:
    """Rows as the application reads them (decrypted), without the blind indexes: those are
    keyed hashes, and each data dir here has its own development key."""
    table = model.__table__
    with core_db.session_scope() as s:
        result = s.execute(select(table).order_by(*table.primary_key.columns))
        return [{k: v for k, v in r._mapping.items() if not k.endswith("_bidx")} for r in result]


def visits_outside_desk_hours() -> tuple[int, list[tuple[int, str]]]:
    """(number of visits, those not wholly inside the desk's business calendar in local time).

    The calendar is the one the booking rules check (`desk_calendar`); "inside" means open at
    the start, open just before the end and business time equal to the visit's length.
    """
    with core_db.session_scope() as s:
        visits = list(s.scalars(select(ScheduledVisit).order_by(ScheduledVisit.id)))
        if not visits:
            return 0, []
        years = {v.scheduled_start.year for v in visits} | {v.scheduled_end.year for v in visits}
        cal = desk_calendar(s, sorted(years)).calendar
    outside = []
    for v in visits:
        start, end = v.scheduled_start, v.scheduled_end
        if not (
            cal.is_open(start)
            and cal.is_open(end - timedelta(microseconds=1))
            and cal.business_time_between(start, end) == end - start
        ):
            local = (
                f"{start.astimezone(cal.zone):%a %Y-%m-%d %H:%M}-{end.astimezone(cal.zone):%H:%M}"
            )
            outside.append((v.id, local))
    return len(visits), outside
