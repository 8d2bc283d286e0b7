"""SLA building blocks: business calendars and statutory holidays (pure Python, no DB)."""

from uanl.sla.calendar import BusinessCalendar, WorkingHours
from uanl.sla.holidays import mexico_holidays_between, mexico_official_holidays

__all__ = [
    "BusinessCalendar",
    "WorkingHours",
    "mexico_holidays_between",
    "mexico_official_holidays",
]
