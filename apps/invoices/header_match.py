"""Matching an invoice of a header-only profile (Factur-X MINIMUM, BASIC WL): it has no lines
to compare, so its net amount is compared with what is left of its order's value under the
header tolerance (two-way, at header level); or, where the policy says
`header_only_matching: "lines"`, it is held until AP adds or confirms its lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils.translation import gettext as _

from apps.policies.invoice_section import tolerances_for
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine

from .matching import CENT, ZERO, Finding
from .models import Invoice


def within(variance: Decimal, base: Decimal, limits: dict[str, Any]) -> bool:
    """The Python twin of matching.within_sql, for one figure."""
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


def header_only_findings(
    invoice_ids: list[Any], section: dict[str, Any]
) -> dict[Any, list[Finding]]:
    """The findings of the batch's header-only invoices, by invoice id."""
    found: dict[Any, list[Finding]] = {}
    invoices = Invoice.objects.filter(
        pk__in=invoice_ids, header_only=True, kind=Invoice.Kind.INVOICE
    ).values(
        "id",
        "purchase_order_id",
        "lines_total",
        "allowance_total",
        "charge_total",
        "profile",
        "accepted_header_variance",
        "created_at",
    )
    for invoice in invoices:
        order_id = invoice["purchase_order_id"]
        if order_id is None:
            continue  # `no_po` or `po_not_found` was raised on arrival
        profile = invoice["profile"] or "header-only"
        if section.get("header_only_matching") == "lines":
            found[invoice["id"]] = [
                Finding(
                    "lines_required",
                    None,
                    _(
                        "%(profile)s: the invoice carries no lines and the policy matches "
                        "lines; add the lines or confirm the order's."
                    )
                    % {"profile": profile},
                    ZERO,
                    {"profile": profile},
                )
            ]
            continue
        others = Invoice.objects.filter(
            purchase_order_id=order_id,
            kind=Invoice.Kind.INVOICE,
            created_at__lt=invoice["created_at"],
        ).exclude(status=Invoice.Status.REJECTED)
        taken = sum((net_of(other) for other in others.values(*_NET)), ZERO)
        expected = order_value(order_id) - taken
        invoiced = net_of(invoice)
        gap = invoiced - expected
        limits = header_limits(section, order_id)
        accepted = invoice["accepted_header_variance"]
        if gap > 0 and not within(gap, expected, limits) and (accepted is None or accepted < gap):
            found[invoice["id"]] = [
                Finding(
                    "price_variance",
                    None,
                    _(
                        "%(profile)s (header only): net %(invoiced)s is %(gap)s above what is "
                        "left of the order (%(expected)s)."
                    )
                    % {"profile": profile, "invoiced": invoiced, "gap": gap, "expected": expected},
                    gap.quantize(CENT),
                    {
                        "expected": str(expected),
                        "invoiced": str(invoiced),
                        "header": True,
                        "profile": profile,
                    },
                )
            ]
    return found


_NET = ("lines_total", "allowance_total", "charge_total")
