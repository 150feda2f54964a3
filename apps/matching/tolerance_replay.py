"""Which recent invoices would have matched differently under other tolerances: each invoice
line's stored match (its price gap and quantities, `LineMatch`) judged again under two policy
documents' price and quantity tolerances, per the line's spend category. Reads only.

`within` (apps.invoices.tolerances) is the Python twin of `lines.within_sql` (the statement's
one definition of "within tolerance"); tests/invoices/test_tolerance_replay.py holds them to
the same table.
Not replayed: the header tolerance (invoice net against the order, which needs the whole
invoice again), a category moved between two- and three-way matching (the stored kind is
kept), and lines a person accepted (they stay accepted)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from apps.invoices.models import LineMatch
from apps.invoices.tolerances import CENT, within
from apps.policies.invoice_section import tolerances_for


def _verdicts(match: LineMatch, tolerances: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The line's price and quantity verdicts under `tolerances`."""
    line = match.line
    found: dict[str, str] = {}
    accepted = line.accepted or {}
    gap = match.price_variance or Decimal("0")
    if gap > 0 and Decimal(str(accepted.get("price_variance", -1))) < gap:
        base = ((match.order_unit_price or Decimal("0")) * abs(line.quantity)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        ok = within(gap, base, tolerances["price"])
        found["price"] = "within_tolerance" if ok else "price_variance"
    ordered = match.ordered_quantity or Decimal("0")
    before = match.invoiced_before or Decimal("0")
    over = line.quantity - (ordered - before)
    short = (
        line.quantity - ((match.received_quantity or Decimal("0")) - before)
        if match.kind == "three_way"
        else Decimal("0")
    )
    if over > 0 and Decimal(str(accepted.get("quantity_variance", -1))) >= over:
        found["quantity"] = "accepted"
    elif over > 0 and not within(over, ordered, tolerances["quantity"]):
        found["quantity"] = "quantity_variance"
    elif short > 0 and not within(short, ordered, tolerances["quantity"]):
        found["quantity"] = "not_received"
    elif over > 0 or short > 0:
        found["quantity"] = "within_tolerance"
    return found


def tolerance_impact(
    *, before: dict[str, Any], after: dict[str, Any], days: int = 90
) -> dict[str, Any]:
    """The invoices received in the last `days` days with a line whose price or quantity
    verdict differs between the `before` and `after` invoice sections (validated documents'
    `invoices`)."""
    since = timezone.now() - timedelta(days=days)
    matches = (
        LineMatch.objects.filter(
            line__invoice__created_at__gte=since, line__invoice__kind="invoice"
        )
        .exclude(kind="")
        .select_related(
            "line__invoice__supplier",
            "line__po_line__purchase_order__requisition__spend_category",
        )
        .order_by("-line__invoice__created_at", "line__line_no")
    )
    invoices: dict[Any, dict[str, Any]] = {}
    considered: set[Any] = set()
    for match in matches:
        invoice = match.line.invoice
        considered.add(invoice.pk)
        po_line = match.line.po_line
        requisition = po_line.purchase_order.requisition if po_line else None
        category = requisition.spend_category.code if requisition else ""
        old = _verdicts(match, tolerances_for(before, category))
        new = _verdicts(match, tolerances_for(after, category))
        differs = [
            {"line_no": match.line.line_no, "check": check, "before": old.get(check, "matched"),
             "after": new.get(check, "matched")}
            for check in ("price", "quantity")
            if old.get(check) != new.get(check)
        ]  # fmt: skip
        if differs:
            row = invoices.setdefault(
                invoice.pk,
                {
                    "id": str(invoice.pk),
                    "number": invoice.invoice_number,
                    "supplier": invoice.supplier.name,
                    "lines": [],
                },
            )
            row["lines"].extend(differs)
    return {
        "window_days": days,
        "considered": len(considered),
        "changed": list(invoices.values()),
    }
