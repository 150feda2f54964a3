"""What the supplier-behaviour score reads of an invoice, as of its arrival: how new its
supplier is, how recently its bank details changed, how far its amount is from the supplier's
median, whether the amount is round, and the hour it arrived. One function computes them for
one invoice (at arrival) and for the tenant's history (training), so both see the same."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.invoices.models import Invoice
from apps.suppliers.models import BankAccount, Supplier

FEATURES = ("supplier_age_days", "bank_change_days", "amount_jump", "round_amount", "hour_offset")
# where each feature is unusual: "low" (a new supplier, a recent bank change) or "high"
DIRECTION = {
    "supplier_age_days": "low",
    "bank_change_days": "low",
    "amount_jump": "high",
    "round_amount": "high",
    "hour_offset": "high",
}
CAP_DAYS = 365  # older than a year, or never: all the same to the score
HISTORY = 30  # the supplier's latest invoices its median amount is taken over
MIDDAY = 13  # hour_offset is the distance of the arrival hour from early afternoon


@dataclass(frozen=True)
class Facts:
    """The raw facts behind one invoice's features, kept for the reasons."""

    supplier_age_days: int
    bank_change_days: int | None
    ratio: float | None  # total / the supplier's median (same currency), None without history
    total: Decimal
    hour: int

    def vector(self) -> list[float]:
        return [
            float(min(self.supplier_age_days, CAP_DAYS)),
            float(
                CAP_DAYS if self.bank_change_days is None else min(self.bank_change_days, CAP_DAYS)
            ),
            abs(math.log2(self.ratio)) if self.ratio and self.ratio > 0 else 0.0,
            round_amount(self.total),
            float(abs(self.hour - MIDDAY)),
        ]


def round_amount(total: Decimal) -> float:
    """1 for a multiple of 1,000, 0.5 of 100, else 0."""
    if total >= 1000 and total % 1000 == 0:
        return 1.0
    if total >= 100 and total % 100 == 0:
        return 0.5
    return 0.0


def onboarded_at(supplier: Supplier) -> datetime:
    return supplier.decided_at or supplier.created_at


def bank_changes(supplier_ids: Any) -> dict[Any, list[datetime]]:
    """Each supplier's bank-detail changes (every account after its first), oldest first."""
    by_supplier: dict[Any, list[datetime]] = defaultdict(list)
    rows = (
        BankAccount.objects.filter(supplier_id__in=supplier_ids)
        .order_by("supplier_id", "requested_at")
        .values_list("supplier_id", "requested_at")
    )
    for supplier_id, requested_at in rows:
        by_supplier[supplier_id].append(requested_at)
    return {s: dates[1:] for s, dates in by_supplier.items()}


def facts_of(
    *,
    arrived: datetime,
    total: Decimal,
    onboarded: datetime,
    changes: list[datetime],
    previous_totals: list[Decimal],
) -> Facts:
    before = bisect.bisect_right(changes, arrived)
    last_change = changes[before - 1] if before else None
    median = statistics.median(previous_totals) if previous_totals else None
    return Facts(
        supplier_age_days=max((arrived - onboarded).days, 0),
        bank_change_days=None if last_change is None else max((arrived - last_change).days, 0),
        ratio=float(total / median) if median and median > 0 and total > 0 else None,
        total=total,
        hour=timezone.localtime(arrived).hour,
    )


def invoice_facts(invoice: Invoice) -> Facts:
    """One invoice as it arrives: three queries (its supplier's bank changes, its previous
    totals; the supplier is loaded with the invoice)."""
    supplier = invoice.supplier
    previous = list(
        Invoice.objects.filter(
            supplier=supplier, currency=invoice.currency, kind=Invoice.Kind.INVOICE
        )
        .exclude(pk=invoice.pk)
        .filter(created_at__lt=invoice.created_at)
        .order_by("-created_at")
        .values_list("total", flat=True)[:HISTORY]
    )
    return facts_of(
        arrived=invoice.created_at,
        total=invoice.total,
        onboarded=onboarded_at(supplier),
        changes=bank_changes([supplier.pk]).get(supplier.pk, []),
        previous_totals=previous,
    )


def history_facts(limit: int = 50_000) -> list[tuple[Any, Facts]]:
    """(invoice id, facts) of the tenant's latest invoices, each as of its own arrival, oldest
    first: four queries whatever the number."""
    rows = list(
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
        .order_by("-created_at")
        .values_list("pk", "supplier_id", "currency", "total", "created_at")[:limit]
    )
    rows.reverse()
    supplier_ids = {row[1] for row in rows}
    onboarded = {
        s.pk: onboarded_at(s)
        for s in Supplier.objects.filter(pk__in=supplier_ids).only("decided_at", "created_at")
    }
    changes = bank_changes(supplier_ids)
    recent: dict[tuple[Any, str], deque[Decimal]] = defaultdict(lambda: deque(maxlen=HISTORY))
    out = []
    for pk, supplier_id, currency, total, created_at in rows:
        previous = recent[(supplier_id, currency)]
        out.append(
            (
                pk,
                facts_of(
                    arrived=created_at,
                    total=total,
                    onboarded=onboarded[supplier_id],
                    changes=changes.get(supplier_id, []),
                    previous_totals=list(previous),
                ),
            )
        )
        previous.append(total)
    return out
