"""SLA building blocks: business calendars and statutory holidays (pure Python, no DB)."""

from uanl.sla.calendar import BusinessCalendar
from uanl.sla.holidays import mexico_holidays_between, mexico_official_holidays
from uanl.sla.working_hours import WorkingHours

__all__ = [
    "BusinessCalendar",
    "WorkingHours",
    "mexico_holidays_between",
    "mexico_official_holidays",
]
