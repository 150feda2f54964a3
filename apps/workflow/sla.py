"""Business hours for approval SLAs: Monday to Friday, 09:00-17:00 in the server's zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DAY_START, DAY_END = time(9, 0), time(17, 0)
HOURS_PER_DAY = 8


def _next_business_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    while True:
        if local.weekday() < 5 and local.time() < DAY_END:
            if local.time() < DAY_START:
                local = local.replace(hour=9, minute=0, second=0, microsecond=0)
            return local
        local = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def add_business_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` business hours after `start` (an SLA of 16 h is two working days)."""
    remaining = timedelta(hours=hours)
    moment = _next_business_start(start)
    while remaining > timedelta(0):
        end_of_day = moment.replace(hour=DAY_END.hour, minute=0, second=0, microsecond=0)
        available = end_of_day - moment
        if remaining <= available:
            return moment + remaining
        remaining -= available
        moment = _next_business_start(end_of_day + timedelta(minutes=1))
    return moment


def reminder_sentence(due: datetime) -> str:
    due_text = date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT")
    return _("Reminder: an approval is waiting for you (due %s).") % due_text


def escalated_sentence(who: str) -> str:
    return _("Escalated to you: %(who)s did not decide within the SLA.") % {"who": who}
