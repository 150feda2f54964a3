"""What insights' figures count, as filters the invoice and exception lists apply too: a figure
on `/insights/` links to `/invoices/` or `/exceptions/` with the same period, legal entity and
figure, so the number on the tile is the list's row count (docs/insights.md)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Invoice, InvoiceException

UNMATCHED = Invoice.Status.RECEIVED
# how old an open exception is, in whole days: bucket → (at least, under)
AGES: dict[str, tuple[int, int | None]] = {
    "0-7": (0, 8),
    "8-30": (8, 31),
    "31-60": (31, 61),
    "61+": (61, None),
}


def raised_any() -> Exists:
    return Exists(InvoiceException.objects.filter(invoice=OuterRef("pk")))


# invoice figures: a decided invoice has been matched (it left `received`)
INVOICE_FIGURES: dict[str, Any] = {
    "decided": lambda: ~Q(status=UNMATCHED),
    "touchless": lambda: Q(touchless=True) & ~Q(status=UNMATCHED),
    "with_exceptions": lambda: raised_any() & ~Q(status=UNMATCHED),
    "on_order": lambda: Q(purchase_order__isnull=False) & ~Q(status=UNMATCHED),
    "first_pass": lambda: ~raised_any() & Q(purchase_order__isnull=False) & ~Q(status=UNMATCHED),
    # the invoices the cycle time's median is taken over
    "approved": lambda: Q(approved_at__isnull=False),
}


def invoices_drilled(
    invoices: QuerySet[Invoice],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    legal_entity: str | None = None,
    figure: str | None = None,
    channel: str | None = None,
    kind: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices received in [since, until) on an order of the legal entity, that a figure
    counts (INVOICE_FIGURES; an unknown figure counts nothing rather than everything)."""
    if since is not None:
        invoices = invoices.filter(created_at__gte=since)
    if until is not None:
        invoices = invoices.filter(created_at__lt=until)
    if legal_entity:
        invoices = invoices.filter(purchase_order__legal_entity__code=legal_entity)
    if channel:
        invoices = invoices.filter(channel=channel)
    if kind:
        invoices = invoices.filter(kind=kind)
    if figure:
        where = INVOICE_FIGURES.get(figure)
        invoices = invoices.filter(where()) if where else invoices.none()
    return invoices


def exceptions_drilled(
    exceptions: QuerySet[InvoiceException],
    *,
    raised: tuple[datetime, datetime] | None = None,
    resolved: tuple[datetime, datetime] | None = None,
    legal_entity: str | None = None,
    supplier: str | None = None,
    age: str | None = None,
    now: datetime | None = None,
) -> QuerySet[InvoiceException]:
    """Exceptions raised, or resolved, in a period, on an order of the legal entity, of one
    supplier, or open for an age bucket (AGES)."""
    if raised is not None:
        exceptions = exceptions.filter(created_at__gte=raised[0], created_at__lt=raised[1])
    if resolved is not None:
        exceptions = exceptions.filter(resolved_at__gte=resolved[0], resolved_at__lt=resolved[1])
    if legal_entity:
        exceptions = exceptions.filter(invoice__purchase_order__legal_entity__code=legal_entity)
    if supplier:
        try:
            exceptions = exceptions.filter(invoice__supplier_id=uuid.UUID(supplier))
        except ValueError:
            return exceptions.none()
    if age:
        if age not in AGES:
            return exceptions.none()
        exceptions = exceptions.filter(aged(age, now or datetime.now().astimezone()))
    return exceptions


def aged(bucket: str, now: datetime) -> Q:
    """Exceptions raised a number of whole days ago that falls in the bucket (AGES)."""
    least, under = AGES[bucket]
    where = Q(created_at__lte=now - timedelta(days=least))
    return where & Q(created_at__gt=now - timedelta(days=under)) if under is not None else where
