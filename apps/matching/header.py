"""Matching an invoice of a header-only profile (Factur-X MINIMUM, BASIC WL): it has no lines
to compare, so its net amount is compared with what is left of its order's value under the
header tolerance (two-way, at header level); or, where the policy says
`header_only_matching: "lines"`, it is held until AP adds or confirms its lines."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.invoices.models import Invoice
from apps.invoices.tolerances import CENT, ZERO, Finding, header_limits, net_of, order_value, within
from apps.organization.money import amount_text


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
        "currency",
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
                    % {
                        "profile": profile,
                        "invoiced": amount_text(invoiced, invoice["currency"]),
                        "gap": amount_text(gap, invoice["currency"]),
                        "expected": amount_text(expected, invoice["currency"]),
                    },
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
