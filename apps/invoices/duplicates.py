"""Duplicate invoices, layered: the same file; the same supplier, number (normalised) and
year; or three of four signals alike (supplier, number similarity, date within the window,
amount). Candidates come from indexed conditions, all in one statement; similarity is
scored with rapidfuzz."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
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
    key = number_key(number)
    by_file, by_number, candidates = _layers(
        {
            "rejected": Invoice.Status.REJECTED,
            "kind": kind,
            "exclude": exclude_id,
            "sha256": sha256 or "",
            "supplier": supplier_id,
            "key": key,
            "year_first": date(invoice_date.year, 1, 1),
            "year_last": date(invoice_date.year, 12, 31),
            "near_first": invoice_date - timedelta(days=window_days),
            "near_last": invoice_date + timedelta(days=window_days),
            "total": total,
        }
    )
    if by_file is not None:
        return DuplicateSuspicion(by_file, "same_file", ("file",))
    if by_number is not None:
        return DuplicateSuspicion(by_number, "same_number", ("supplier", "number", "year"))
    for pk, other_supplier, other_key, other_date, other_total in candidates:
        signals = []
        if other_supplier == str(supplier_id):
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


# The three layers in one statement and one round trip, each first by arrival, among the
# invoices of the kind that are not rejected (nor the invoice itself): the same file; the same
# supplier, number key and year; and the candidates of three signals alike. Every such triple
# holds (date or amount) with (supplier or the other of date/amount), so the indexed
# conditions of the third find every candidate; they are read only when neither of the first
# two found one (a CASE evaluates its subquery on demand). Written once rather than built by
# the ORM at every check: building three querysets cost more than running them.
_OTHERS = """FROM invoices_invoice i WHERE i.status <> %(rejected)s AND i.kind = %(kind)s
    AND i.id IS DISTINCT FROM %(exclude)s"""
_LAYERS = f"""WITH found AS (SELECT
    (SELECT i.id {_OTHERS} AND %(sha256)s <> '' AND i.file_sha256 = %(sha256)s
     ORDER BY i.created_at, i.id LIMIT 1) AS by_file,
    (SELECT i.id {_OTHERS} AND i.supplier_id = %(supplier)s AND i.number_key = %(key)s
     AND i.invoice_date BETWEEN %(year_first)s AND %(year_last)s
     ORDER BY i.created_at, i.id LIMIT 1) AS by_number)
SELECT by_file, by_number, CASE WHEN by_file IS NULL AND by_number IS NULL THEN (
    SELECT json_agg(json_build_array(c.id, c.supplier_id, c.number_key, c.invoice_date,
                                     c.total::text) ORDER BY c.created_at, c.id)
    FROM (SELECT i.id, i.supplier_id, i.number_key, i.invoice_date, i.total, i.created_at
          {_OTHERS} AND (
            (i.supplier_id = %(supplier)s AND (
                i.invoice_date BETWEEN %(near_first)s AND %(near_last)s OR i.total = %(total)s))
            OR (i.invoice_date BETWEEN %(near_first)s AND %(near_last)s
                AND i.total = %(total)s))) c) END
FROM found"""  # noqa: S608 (constant text only; every value is a parameter)


def _layers(values: dict[str, Any]) -> tuple[Any, Any, list[tuple[Any, str, str, date, Decimal]]]:
    """(the first invoice of the same file, the first of the same number, the candidates as
    (id, supplier id as text, number key, date, total))."""
    with connection.cursor() as cursor:
        cursor.execute(_LAYERS, values)
        by_file, by_number, rows = cursor.fetchone()
    found = [
        (uuid.UUID(pk), str(supplier), other_key, date.fromisoformat(day), Decimal(amount))
        for pk, supplier, other_key, day, amount in (rows or [])
    ]
    return by_file, by_number, found
