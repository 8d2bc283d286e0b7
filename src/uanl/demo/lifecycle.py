"""The planned life of a demo ticket: SLA targets, plausible durations and the timeline.

:func:`plan_steps` draws a whole timeline (assignment, first response, work, waiting,
resolution, reopening, closing) for a ticket; :mod:`uanl.demo.tickets` cuts it at the
dataset's "now" and writes the rows. :func:`sla_status` judges the result at that "now".
"""

from __future__ import annotations

import math
import random
from typing import Any

from uanl.demo.people import DemoOperator

HOUR = 3600.0
# Priority -> (first response target, resolution target), in seconds (wall clock).
SLA_TARGETS = {
    "urgent": (15 * 60, 4 * HOUR),
    "high": (60 * 60, 8 * HOUR),
    "medium": (4 * HOUR, 24 * HOUR),
    "low": (8 * HOUR, 72 * HOUR),
}
BUMP = {"low": "medium", "medium": "high", "high": "urgent"}
OPEN_STATES = ("new", "open", "in_progress", "waiting")

#: (time, field, new value, actor id): one change in a ticket's planned life.
Step = tuple[float, str, Any, int | None]


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def plan_steps(
    rng: random.Random,
    created: float,
    priority: str,
    assignee: DemoOperator,
    supervisor: DemoOperator | None,
    cancel: bool,
) -> list[Step]:
    """(time, field, new value, actor id) steps from assignment to closing."""
    resp_target, res_target = SLA_TARGETS[priority]
    resp = max(60.0, lognormal(rng, resp_target * 0.4, 1.0))
    work = max(resp + 600, lognormal(rng, res_target * 0.45, 0.9))
    if rng.random() < 0.02:  # stuck for days: waiting on a spare part or on the client
        work *= rng.uniform(4, 12)
    fr = created + resp
    by_system = None if rng.random() < 0.7 else getattr(supervisor, "id", None)
    steps: list[Step] = [
        (created + resp * rng.uniform(0.2, 0.8), "assignee_id", assignee.id, by_system),
        (fr, "state", "open", assignee.id),
    ]
    start = fr + min(lognormal(rng, 1.5 * HOUR, 1.0), 0.4 * (work - resp))
    if priority in BUMP and rng.random() < 0.06:
        steps.append((fr + (start - fr) * 0.5, "priority", BUMP[priority], assignee.id))
    steps.append((start, "state", "in_progress", assignee.id))
    res = created + work
    if rng.random() < 0.22:
        w0 = start + (res - start) * rng.uniform(0.2, 0.6)
        pause = lognormal(rng, 5 * HOUR, 1.0)
        steps.append((w0, "state", "waiting", assignee.id))
        steps.append((w0 + pause, "state", "in_progress", assignee.id))
        res += pause
    if cancel:  # given up before it was ever resolved
        cut = created + rng.uniform(0.05, 0.8) * (res - created)
        return [s for s in steps if s[0] < cut] + [(cut, "state", "cancelled", assignee.id)]
    steps.append((res, "state", "resolved", assignee.id))
    if rng.random() < 0.03:
        reopen = res + rng.uniform(2 * HOUR, 4 * 24 * HOUR)
        res = reopen + 1800 + lognormal(rng, 6 * HOUR, 0.8)
        steps += [
            (reopen, "state", "open", assignee.id),
            (reopen + 1800, "state", "in_progress", assignee.id),
            (res, "state", "resolved", assignee.id),
        ]
    if rng.random() < 0.5:
        close_after = min(72 * HOUR, lognormal(rng, 20 * HOUR, 0.8))
        steps.append((res + close_after, "state", "closed", assignee.id))
    else:
        steps.append((res + 72 * HOUR, "state", "closed", None))  # auto-close after 72 h
    return steps


def sla_status(
    state: str,
    now: float,
    fr: float | None,
    resolved: float | None,
    fr_due: float,
    res_due: float,
    created: float,
) -> str | None:
    if state == "cancelled":
        return None
    if state in ("resolved", "closed"):
        return "met" if resolved is not None and resolved <= res_due else "breached"
    if state == "waiting":
        return "paused"
    if now > res_due or (fr is None and now > fr_due):
        return "breached"
    if now > created + 0.75 * (res_due - created):
        return "at_risk"
    return "on_track"
