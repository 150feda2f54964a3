"""Duplicate invoices, layered: the same file; the same supplier, number (normalised) and
year; or three of four signals alike (supplier, number similarity, date within the window,
amount). Candidates come from indexed queries; similarity is scored with rapidfuzz."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q
from rapidfuzz import fuzz

from .models import Invoice

_SEPARATORS = re.compile(r"[\s#\-/_.]+")
_PREFIX = re.compile(r"^(?:inv(?:oice)?|rechnung|facture|no|nr)+")


def number_key(number: str) -> str:
    """'INV-000123', 'inv 123', '#123' and '00123' are the same number."""
    key = _SEPARATORS.sub("", (number or "").lower())
    key = _PREFIX.sub("", key)
    return key.lstrip("0") or key[-1:] or "0"


@dataclass(frozen=True)
class DuplicateSuspicion:
    original_id: Any
    reason: str  # same_file | same_number | similar
    signals: tuple[str, ...]


def find_duplicate(
    *,
    supplier_id: Any,
    number: str,
    invoice_date: date,
    total: Decimal,
    sha256: str,
    kind: str = Invoice.Kind.INVOICE,
    exclude_id: Any = None,
    similarity: float = 0.8,
    window_days: int = 7,
) -> DuplicateSuspicion | None:
    others = Invoice.objects.exclude(status=Invoice.Status.REJECTED).filter(kind=kind)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if sha256:
        same_file = (
            others.filter(file_sha256=sha256)
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if same_file is not None:
            return DuplicateSuspicion(same_file, "same_file", ("file",))
    key = number_key(number)
    same_number = (
        others.filter(supplier_id=supplier_id, number_key=key, invoice_date__year=invoice_date.year)
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )
    if same_number is not None:
        return DuplicateSuspicion(same_number, "same_number", ("supplier", "number", "year"))
    # Three of four signals: every such triple holds (date or amount) with (supplier or
    # the other of date/amount), so these indexed conditions find every candidate.
    near = Q(invoice_date__gte=invoice_date - timedelta(days=window_days)) & Q(
        invoice_date__lte=invoice_date + timedelta(days=window_days)
    )
    same_amount = Q(total=total)
    candidates = (
        others.filter((Q(supplier_id=supplier_id) & (near | same_amount)) | (near & same_amount))
        .order_by("created_at")
        .values_list("pk", "supplier_id", "number_key", "invoice_date", "total")
    )
    for pk, other_supplier, other_key, other_date, other_total in candidates:
        signals = []
        if other_supplier == supplier_id:
            signals.append("supplier")
        if fuzz.ratio(key, other_key) / 100 >= similarity:
            signals.append("number")
        if abs((other_date - invoice_date).days) <= window_days:
            signals.append("date")
        if other_total == total:
            signals.append("amount")
        if len(signals) >= 3:
            return DuplicateSuspicion(pk, "similar", tuple(signals))
    return None
