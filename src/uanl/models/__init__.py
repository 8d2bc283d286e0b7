"""All tables. Import from here so every model is registered on the metadata."""

from uanl.models.audit_log import AuditLog
from uanl.models.base import (
    OPEN_STATES,
    Base,
    CallDirection,
    CallOutcome,
    ClientTier,
    Language,
    NotificationChannel,
    NotificationStatus,
    ReportFormat,
    ReportStatus,
    Role,
    SlaStatus,
    TicketPriority,
    TicketSource,
    TicketState,
    VisitState,
    utcnow,
)
from uanl.models.call import Call
from uanl.models.client import Client
from uanl.models.notification import Notification
from uanl.models.operator import Operator
from uanl.models.refresh_token import RefreshToken
from uanl.models.report import Report
from uanl.models.report_schedule import ReportSchedule
from uanl.models.rollup import ReportDirty, ReportRollup, ReportRollupState
from uanl.models.saved_view import SavedView
from uanl.models.sla import BusinessCalendar, SlaPolicy
from uanl.models.ticket import IdempotencyRecord, Ticket, TicketComment, TicketEvent, TicketTag
from uanl.models.visit import ScheduledVisit
from uanl.models.watson_activity import WatsonActivity

__all__ = [
    "AuditLog",
    "OPEN_STATES",
    "Base",
    "BusinessCalendar",
    "Call",
    "CallDirection",
    "CallOutcome",
    "Client",
    "ClientTier",
    "IdempotencyRecord",
    "Language",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "Operator",
    "RefreshToken",
    "Report",
    "ReportFormat",
    "ReportSchedule",
    "ReportDirty",
    "ReportRollup",
    "ReportRollupState",
    "ReportStatus",
    "Role",
    "SavedView",
    "ScheduledVisit",
    "SlaPolicy",
    "SlaStatus",
    "Ticket",
    "TicketComment",
    "TicketEvent",
    "TicketPriority",
    "TicketSource",
    "TicketState",
    "TicketTag",
    "VisitState",
    "WatsonActivity",
    "utcnow",
]
