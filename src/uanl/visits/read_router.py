"""Read-only visit endpoints the console needs: the visit lifecycle and the operator's
current calendar link (reading it, unlike POST calendar-token, does not break the link a
calendar app already subscribed to)."""

from __future__ import annotations

from uanl.api.deps import CurrentOperator
from uanl.core.routing import SlashRouter
from uanl.models import VisitState
from uanl.operators.dependencies import ValidOperator
from uanl.visits import feed, service
from uanl.visits.schemas import CalendarToken, VisitLifecycle

# Mounted before visits/router.py, whose `/{visit_id}` would otherwise take `/lifecycle`.
router = SlashRouter(prefix="/visits", tags=["visits"])


@router.get(
    "/lifecycle",
    response_model=VisitLifecycle,
    summary="The visit states and the transitions between them (read-only)",
)
def visit_lifecycle(_: CurrentOperator) -> VisitLifecycle:
    return VisitLifecycle(
        states=list(VisitState),
        final_states=[s for s, nxt in service.TRANSITIONS.items() if not nxt],
        transitions={s.value: list(nxt) for s, nxt in service.TRANSITIONS.items()},
        reschedulable=list(service.RESCHEDULABLE),
    )


@router.get(
    "/operators/{operator_id}/calendar-token",
    response_model=CalendarToken,
    summary="An operator's current calendar feed link, without rotating it (404 if none yet)",
    responses={404: {"description": "No such operator, or no link issued yet"}},
)
def read_calendar_token(operator: ValidOperator, actor: CurrentOperator) -> CalendarToken:
    token = feed.current_calendar_token(operator, actor)
    url = feed.feed_url(operator.id, token)
    webcal = "webcal://" + url.split("://", 1)[1]
    return CalendarToken(operator_id=operator.id, token=token, url=url, webcal_url=webcal)
