"""A period of days as people name it (`from=2026-11-01&to=2026-11-30`, both days included)
and the instants it covers in a time zone: from the first day's local midnight up to, not
including, the local midnight after the last day. Insights' figures and the lists they open
read the same period the same way, so a figure and its list count the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from .refusals import ValidationFailed

DEFAULT_DAYS = 30
LONGEST_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def day_of(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(errors={field: [_("Use a date as YYYY-MM-DD.")]}) from exc


def period_of(first: date | None, last: date | None, zone: ZoneInfo) -> Period:
    """The period named by two days (either may be missing: the last 30 days up to today in
    the zone). Refuses a day that is not a date, an end before the start, and a period over
    three years (a figure over more is a report, not a page)."""
    today = timezone.now().astimezone(zone).date()
    end = last or today
    start = first or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise ValidationFailed(errors={"to": [_("The period ends before it starts.")]})
    if (end - start).days >= LONGEST_DAYS:
        message = _("A period may cover at most %d days.") % LONGEST_DAYS
        raise ValidationFailed(errors={"from": [message]})
    return Period(start, end, zone)
