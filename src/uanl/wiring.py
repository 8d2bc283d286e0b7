"""Who reacts to what: every subscription of the event bus, in one place.

Services publish domain events (`uanl.core.events.publish`) and import none of the
packages that react to them; this module, at the edge, connects the two. `uanl.worker`
calls `wire()` with its Celery app when it is imported, so every process that can run or
queue tasks (the API through `create_app`, the Celery worker and beat, the CLI) is wired
before it handles anything. Calling it again changes nothing.

Order matters within a phase: handlers run in registration order for an event, and
notifications are registered before auto-assignment so a new ticket's "created" row comes
before its "assigned" one.
"""

from __future__ import annotations

from uanl.calls.events import CallLogged
from uanl.core import tasks
from uanl.core.events import AFTER_COMMIT, IN_TRANSACTION, subscribe
from uanl.dashboards import subscribers as dashboards
from uanl.notifications import subscribers as notifications
from uanl.operators.events import OperatorDeactivated
from uanl.reports.events import ReportReady
from uanl.tickets import assignment
from uanl.tickets.events import (
    TicketAssigned,
    TicketCreated,
    TicketReplied,
    TicketsEscalated,
    TicketUpdated,
)
from uanl.visits.events import (
    VisitCancelled,
    VisitReminderDue,
    VisitRescheduled,
    VisitScheduled,
    VisitStateChanged,
)


def wire(task_sender: tasks.TaskSender) -> None:
    tasks.use_celery(task_sender)

    # In the transaction: the outbox rows, then auto-assignment.
    subscribe(TicketCreated, notifications.on_ticket_created, IN_TRANSACTION)
    subscribe(TicketUpdated, notifications.on_ticket_updated, IN_TRANSACTION)
    subscribe(TicketAssigned, notifications.on_ticket_assigned, IN_TRANSACTION)
    subscribe(TicketReplied, notifications.on_ticket_replied, IN_TRANSACTION)
    subscribe(TicketsEscalated, notifications.on_tickets_escalated, IN_TRANSACTION)
    subscribe(VisitScheduled, notifications.on_visit_scheduled, IN_TRANSACTION)
    subscribe(VisitRescheduled, notifications.on_visit_rescheduled, IN_TRANSACTION)
    subscribe(VisitCancelled, notifications.on_visit_cancelled, IN_TRANSACTION)
    subscribe(VisitReminderDue, notifications.on_visit_reminder_due, IN_TRANSACTION)
    subscribe(ReportReady, notifications.on_report_ready, IN_TRANSACTION)
    subscribe(TicketCreated, assignment.on_ticket_created, IN_TRANSACTION)
    subscribe(TicketUpdated, assignment.on_ticket_updated, IN_TRANSACTION)
    subscribe(OperatorDeactivated, assignment.on_operator_deactivated, IN_TRANSACTION)

    # After commit: the live dashboards (Celery tasks: core.tasks subscribes itself).
    subscribe(TicketCreated, dashboards.on_ticket_created, AFTER_COMMIT)
    subscribe(TicketUpdated, dashboards.on_ticket_updated, AFTER_COMMIT)
    subscribe(TicketAssigned, dashboards.on_ticket_assigned, AFTER_COMMIT)
    subscribe(TicketsEscalated, dashboards.on_tickets_escalated, AFTER_COMMIT)
    subscribe(CallLogged, dashboards.on_call_logged, AFTER_COMMIT)
    subscribe(VisitScheduled, dashboards.on_visit_scheduled, AFTER_COMMIT)
    subscribe(VisitStateChanged, dashboards.on_visit_state_changed, AFTER_COMMIT)
