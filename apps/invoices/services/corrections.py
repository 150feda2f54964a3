"""Corrections AP makes to an invoice while resolving an exception: choosing the supplier among
the candidates an ambiguous seller left, and confirming the order's lines as the lines of a
header-only invoice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ValidationFailed
from apps.events.services import event_record
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine
from apps.suppliers.models import Supplier

from ..header_match import header_limits, net_of, order_value, within
from ..models import CENT, Invoice, InvoiceException, InvoiceLine
from ..rules import policy_section


def supplier_choose(invoice: Invoice, exception: InvoiceException, chosen: str, actor: Any) -> None:
    """The invoice goes to the candidate AP names; its order is looked up again for it."""
    allowed = {c["id"]: c["name"] for c in exception.data.get("candidates", [])}
    if (chosen or "").strip() not in allowed:
        raise ValidationFailed(
            errors={"supplier": [_("Choose one of: %s.") % ", ".join(allowed.values())]}
        )
    supplier = Supplier.objects.get(pk=chosen.strip())
    before = invoice.supplier_id
    invoice.supplier = supplier
    fields = ["supplier"]
    if invoice.po_reference:
        order = PurchaseOrder.objects.filter(
            supplier=supplier, number__iexact=invoice.po_reference
        ).first()
        invoice.purchase_order = order
        fields.append("purchase_order")
    invoice.save(update_fields=fields)
    event_record(
        actor=actor,
        action="invoice.supplier_chosen",
        subject_type="invoice",
        subject_id=invoice.pk,
        before={"supplier": str(before)},
        after={"supplier": str(supplier.pk), "name": supplier.name},
    )


def order_lines_confirm(invoice: Invoice, actor: Any) -> None:
    """A header-only invoice takes its order's lines, when they add up to its net amount
    within the header tolerance; then it is matched line by line like any other."""
    if invoice.purchase_order_id is None:
        raise ValidationFailed(errors={"resolution": [_("The invoice has no purchase order.")]})
    expected, invoiced = order_value(invoice.purchase_order_id), net_of(invoice)
    _version, document = policy_section()
    limits = header_limits(document["invoices"], invoice.purchase_order_id)
    if not within(abs(invoiced - expected), expected, limits):
        raise ValidationFailed(
            errors={
                "resolution": [
                    _(
                        "The order's lines add up to %(order)s, the invoice's net is %(net)s: "
                        "the lines differ; reject the invoice or ask the supplier for its lines."
                    )
                    % {"order": expected, "net": invoiced}
                ]
            }
        )
    order_lines = list(
        PurchaseOrderLine.objects.filter(purchase_order_id=invoice.purchase_order_id).order_by(
            "line_no"
        )
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=i,
            po_line=line,
            order_line_reference=str(line.line_no),
            description=line.description[:300],
            quantity=line.quantity,
            unit_price=line.unit_price,
            net_amount=(line.quantity * line.unit_price).quantize(CENT),
        )
        for i, line in enumerate(order_lines, start=1)
    )
    invoice.header_only = False
    invoice.save(update_fields=["header_only"])
    event_record(
        actor=actor,
        action="invoice.lines_confirmed",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={"order": invoice.po_reference, "lines": len(order_lines)},
    )
