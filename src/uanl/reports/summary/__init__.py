"""Summary reports (calls, tickets, operators): GROUP BY in the database, a few queries each.

Every function returns `ReportResult(columns, rows, summary, meta)`. Rows are aggregates (one
per bucket, group or operator), so they are few and already computed when streaming starts.
Times are wall-clock seconds between instants (business hours are a future improvement).

Each report is read from the daily roll-ups (`uanl.reports.rollups`) when `_rollup_days`
allows it, else computed from the base tables: same numbers either way. This module holds the
entry points (checking the parameters, choosing the source, labelling the result); `calls`,
`tickets` and `operators` compute each report both ways; `common` holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from uanl.core import config
from uanl.core.errors import ValidationFailed
from uanl.models import CallDirection, CallOutcome, Role, TicketPriority
from uanl.reports import rollups
from uanl.reports.formats import Column, ReportMeta
from uanl.reports.periods import TIME_UNITS, Period, prepare
from uanl.reports.summary import calls, operators, tickets
from uanl.reports.summary.calls import CALL_GROUPS
from uanl.reports.summary.operators import RANK_METRICS

TICKET_GROUPS = TIME_UNITS
WALL_CLOCK_NOTE = (
    "Ticket first-response and resolution times are SLA business seconds (the policy's "
    "calendar, minus time waiting on the customer) where an SLA applies, wall-clock seconds "
    "otherwise; call durations are as recorded. Percent columns are fractions 0-1. "
    "p90 = linear interpolation (percentile_cont(0.9))."
)


class ReportResult(NamedTuple):
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    summary: dict[str, Any]
    meta: ReportMeta


def _label_meta(name: str, es: str, en: str, period: Period, params: dict[str, Any]) -> ReportMeta:
    shown = {"from": period.label_from, "to": period.label_to}
    shown["period_start"] = period.as_params()["from"]
    shown["period_end_exclusive"] = period.as_params()["to"]
    shown.update({k: v for k, v in params.items() if v is not None})
    return ReportMeta(title_es=es, title_en=en, params=shown, timezone=period.tz.key, name=name)


def _rollup_days(
    db: Session, period: Period, *filters: Any, families: tuple[str, ...] = ("calls", "tickets")
) -> tuple[date, date] | None:
    """The period's local days when the report can be read from the daily roll-ups."""
    if any(f is not None and f != [] for f in filters):
        return None
    if period.tz.key != config.get_settings().tz.key:
        return None
    days = rollups.whole_days(period)
    if days is None or not rollups.ensure_fresh(db, period.tz, families):
        return None
    return days


def calls_report(
    db: Session,
    period: Period,
    *,
    group_by: str = "day",
    operator_id: int | None = None,
    client_id: int | None = None,
    direction: CallDirection | None = None,
    outcome: CallOutcome | None = None,
) -> ReportResult:
    if group_by not in CALL_GROUPS:
        raise ValidationFailed("group_by", f"expected one of {', '.join(CALL_GROUPS)}")
    prepare(db)
    days = _rollup_days(db, period, operator_id, client_id, direction, outcome, families=("calls",))
    if days is not None and group_by in TIME_UNITS:
        columns, rows, summary = calls.from_rollups(db, period, days, group_by)
    else:
        columns, rows, summary = calls.from_base_tables(
            db,
            period,
            group_by,
            operator_id=operator_id,
            client_id=client_id,
            direction=direction,
            outcome=outcome,
        )
    params = {
        "group_by": group_by,
        "operator_id": operator_id,
        "client_id": client_id,
        "direction": direction.value if direction else None,
        "outcome": outcome.value if outcome else None,
    }
    meta = _label_meta("calls", "Reporte de llamadas", "Calls report", period, params)
    return ReportResult(columns, rows, summary, meta)


def tickets_report(
    db: Session,
    period: Period,
    *,
    group_by: str = "day",
    priority: list[TicketPriority] | None = None,
    category: str | None = None,
    client_id: int | None = None,
    assignee_id: int | None = None,
) -> ReportResult:
    if group_by not in TICKET_GROUPS:
        raise ValidationFailed("group_by", f"expected one of {', '.join(TICKET_GROUPS)}")
    prepare(db)
    params = {
        "group_by": group_by,
        "priority": ",".join(p.value for p in priority) if priority else None,
        "category": category,
        "client_id": client_id,
        "assignee_id": assignee_id,
    }
    meta = _label_meta("tickets", "Reporte de tickets", "Tickets report", period, params)
    days = _rollup_days(
        db, period, priority, category, client_id, assignee_id, families=("tickets",)
    )
    if days is not None:
        rows, summary = tickets.from_rollups(db, period, days, group_by)
    else:
        rows, summary = tickets.from_base_tables(
            db,
            period,
            group_by,
            priority=priority,
            category=category,
            client_id=client_id,
            assignee_id=assignee_id,
        )
    return ReportResult(list(tickets.COLUMNS), rows, summary, meta)


def operators_report(
    db: Session,
    period: Period,
    *,
    rank_by: str = "tickets_resolved",
    role: Role | None = None,
) -> ReportResult:
    if rank_by not in RANK_METRICS:
        raise ValidationFailed("rank_by", f"expected one of {', '.join(RANK_METRICS)}")
    active = operators.active_operators(db, role)
    days = _rollup_days(db, period)
    if days is not None:
        stats = operators.stats_from_rollups(db, days)
    else:
        stats = operators.stats_from_base_tables(db, period)
    rows, summary = operators.rank(db, period, active, stats, rank_by)
    params = {"rank_by": rank_by, "role": role.value if role else None}
    meta = _label_meta("operators", "Reporte de operadores", "Operators report", period, params)
    return ReportResult(list(operators.COLUMNS), rows, summary, meta)
