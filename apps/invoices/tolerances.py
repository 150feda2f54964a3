"""What a check finds on an invoice, and the Python reading of a policy's tolerances: the
arrival checks (services.checks) and matching (apps.matching) both report `Finding`s, and AP's
header corrections judge a gap with the same `within` that matching's header check uses.
`within` is the Python twin of apps.matching.lines.within_sql, the line statement's one
definition of "within tolerance"."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from apps.policies.invoice_section import tolerances_for
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine

ZERO = Decimal("0")
CENT = Decimal("0.01")


@dataclass
class Finding:
    code: str
    line_id: int | None
    detail: str
    amount: Decimal
    data: dict[str, Any] = field(default_factory=dict)


def within(variance: Decimal, base: Decimal, limits: dict[str, Any]) -> bool:
    """Is an unfavourable `variance` within `limits` ({absolute, percent, combine})?"""
    absolute, percent = limits.get("absolute"), limits.get("percent")
    either = limits.get("combine", "and") == "or"
    if variance <= 0:
        return True
    if absolute is None and percent is None:
        return False
    if absolute is not None:
        inside = variance <= Decimal(str(absolute))
        if not either and not inside:
            return False
        if either and inside:
            return True
    if percent is None:
        return variance <= Decimal(str(absolute))
    return base > 0 and variance * 100 <= Decimal(str(percent)) * base


def net_of(invoice: Any) -> Decimal:
    """Lines less document allowances plus charges (BT-109), of an invoice or its values."""
    if isinstance(invoice, dict):
        return invoice["lines_total"] - invoice["allowance_total"] + invoice["charge_total"]
    return invoice.lines_total - invoice.allowance_total + invoice.charge_total


def order_value(order_id: Any) -> Decimal:
    line_value = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=20, decimal_places=4)
    )
    value = PurchaseOrderLine.objects.filter(purchase_order_id=order_id).aggregate(
        value=Sum(line_value)
    )["value"]
    return (value or ZERO).quantize(CENT)


def header_limits(section: dict[str, Any], order_id: Any) -> dict[str, Any]:
    """The header tolerance of the order's spend category (the defaults with its overrides)."""
    order = PurchaseOrder.objects.select_related("requisition__spend_category").get(pk=order_id)
    category = order.requisition.spend_category.code if order.requisition_id else ""
    return tolerances_for(section, category)["header"]
