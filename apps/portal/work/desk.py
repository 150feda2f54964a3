"""The shape of a home page's work: a group per kind of work (tasks to approve, exceptions,
payments due, …), each with how many, the money in it per currency, and its first few rows,
oldest or most valuable first. A group with nothing in it is not shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.tenancy.context import tenant_today

SHOWN = 5  # rows listed per group; the group's link leads to the rest

Text = str | Promise


@dataclass(frozen=True)
class Row:
    """One piece of work: its business number, what it is, its amount, how old or how due."""

    ref: str
    title: str
    url: str
    amount: Decimal | str | None = None
    currency: str = ""
    when: str = ""
    late: bool = False
    note: Text = ""


@dataclass(frozen=True)
class BudgetUse:
    """A cost center's budget for this period: what is committed and spent against it."""

    cost_center: str
    name: str
    currency: str
    amount: Decimal
    committed: Decimal
    actual: Decimal

    @property
    def used(self) -> Decimal:
        return self.committed + self.actual

    @property
    def percent(self) -> int:
        if not self.amount:
            return 100 if self.used else 0
        return int((self.used * 100 / self.amount).to_integral_value())

    @property
    def over(self) -> bool:
        return self.used > self.amount


@dataclass(frozen=True)
class Group:
    key: str
    label: Text  # names the count: "3 approvals waiting for you"
    count: int
    url: str
    columns: tuple[Text, Text, Text] = ("", "", "")  # headings: what, amount, when
    totals: list[tuple[str, Decimal]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    urgent: int = 0
    urgent_label: Text = ""
    budgets: list[BudgetUse] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


def per_currency(
    rows: Iterable[Mapping[str, Any]], amount: str = "total"
) -> list[tuple[str, Decimal]]:
    """[{"currency": "USD", "total": 12}, …] → [("EUR", …), ("USD", 12)], zero sums left out."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        value = row.get(amount)
        if value:
            currency = str(row["currency"])
            sums[currency] = sums.get(currency, Decimal(0)) + Decimal(str(value))
    return sorted((c, v) for c, v in sums.items() if v)


def waited(since: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited: "3 days", "5 hours", "just now"."""
    if since is None:
        return ""
    delta = (now or timezone.now()) - since
    if delta.days >= 1:
        return ngettext("%(n)d day", "%(n)d days", delta.days) % {"n": delta.days}
    hours = int(delta.total_seconds() // 3600)
    if hours >= 1:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return _("just now")


def due(on: date | None, today: date | None = None, *, late: bool = True) -> tuple[str, bool]:
    """When something falls due (the column says what falls due) and whether it has passed:
    ("in 2 days", False), ("3 days late", True); `late=False` for what runs out rather than
    falls behind ("3 days ago"). Today is the tenant's, in its time zone."""
    if on is None:
        return "", False
    days = (on - (today or tenant_today())).days
    if days < 0:
        if late:
            return ngettext("%(n)d day late", "%(n)d days late", -days) % {"n": -days}, True
        return ngettext("%(n)d day ago", "%(n)d days ago", -days) % {"n": -days}, True
    if days == 0:
        return _("today"), False
    if days == 1:
        return _("tomorrow"), False
    return ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}, False
