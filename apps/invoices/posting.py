"""What an ERP needs to post an approved invoice: legal entity, supplier (with tax id and its
reference in the ERP), cost center, spend category, the order, dates, net and tax by rate,
totals and lines. One read for a whole set of invoices (two queries), used by the
`invoice.approved` event and by `invoices/export/` alike (docs/integrations.md)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .models import ZERO, Invoice, InvoiceLine

CENT = Decimal("0.01")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _plain(value: Decimal) -> str:
    """10.000 → "10", 45.5000 → "45.5" (never "1E+1")."""
    return format(value.normalize(), "f")


def posting_of(invoice_ids: list[Any]) -> dict[str, dict[str, Any]]:
    """Each invoice's posting data, by invoice id (as text); JSON-ready (decimals as strings)."""
    if not invoice_ids:
        return {}
    invoices = Invoice.objects.filter(pk__in=invoice_ids).select_related(
        "supplier",
        "purchase_order__legal_entity",
        "purchase_order__requisition__cost_center",
        "purchase_order__requisition__spend_category",
    )
    lines: dict[Any, list[InvoiceLine]] = defaultdict(list)
    for line in (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .select_related("po_line")
        .order_by("invoice_id", "line_no")
    ):
        lines[line.invoice_id].append(line)
    return {str(invoice.pk): _posting(invoice, lines[invoice.pk]) for invoice in invoices}


def _posting(invoice: Invoice, lines: list[InvoiceLine]) -> dict[str, Any]:
    order = invoice.purchase_order
    requisition = order.requisition if order is not None else None
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_rate[line.tax_rate] += line.net_amount
    breakdown = {
        Decimal(str(row.get("rate"))): Decimal(str(row.get("tax")))
        for row in invoice.tax_breakdown or []
        if row.get("rate") is not None and row.get("tax") is not None
    }
    return {
        "kind": invoice.kind,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": _text(invoice.due_date and invoice.due_date.isoformat()),
        "legal_entity": order.legal_entity.code if order is not None else None,
        "supplier": {
            "id": str(invoice.supplier_id),
            "name": invoice.supplier.name,
            "tax_id": invoice.supplier.tax_id,
            "erp_reference": invoice.supplier.erp_reference,
        },
        "purchase_order": order.number if order is not None else None,
        "cost_center": requisition.cost_center.code if requisition is not None else None,
        "spend_category": requisition.spend_category.code if requisition is not None else None,
        "currency": invoice.currency,
        "net_by_tax_rate": [
            {
                "rate": str(rate),
                "net": str(net.quantize(CENT)),
                "tax": str(breakdown.get(rate, (net * rate / 100).quantize(CENT)).quantize(CENT)),
            }
            for rate, net in sorted(by_rate.items())
        ],
        "tax_total": str(invoice.tax_total),
        "total": str(invoice.total),
        "payable": str(invoice.payable),
        "lines": [
            {
                "line_no": line.line_no,
                "description": line.description,
                "quantity": _plain(line.quantity),
                "unit_price": _plain(line.unit_price),
                "net_amount": str(line.net_amount),
                "tax_rate": str(line.tax_rate),
                "order_line_no": line.po_line.line_no if line.po_line is not None else None,
            }
            for line in lines
        ],
    }
