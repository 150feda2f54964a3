"""Corrections AP makes to an invoice while resolving an exception: choosing the supplier among
the candidates an ambiguous seller left, and confirming the order's lines as the lines of a
header-only invoice."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ValidationFailed
from apps.events.services import event_record
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine
from apps.suppliers.models import Supplier

from ..models import CENT, ZERO, Invoice, InvoiceException, InvoiceLine
from ..rules import policy_section
from ..tolerances import header_limits, net_of, within

MAX_LINES = 500

# a line the invoice takes: description, quantity, unit price, the order line it is for
Row = tuple[str, Decimal, Decimal, PurchaseOrderLine | None]


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


def order_lines_confirm(
    invoice: Invoice, actor: Any, entered: list[dict[str, Any]] | None = None
) -> None:
    """A header-only invoice takes lines: its order's (`entered` None), or the lines AP enters
    from the supplier's PDF (`[{description, quantity, unit_price, order_line?}]`, the order
    line by its number). They must add up to the invoice's net within the header tolerance of
    the order's category; then the invoice is matched line by line like any other."""
    if invoice.purchase_order_id is None:
        raise ValidationFailed(errors={"resolution": [_("The invoice has no purchase order.")]})
    order_lines = {
        line.line_no: line
        for line in PurchaseOrderLine.objects.filter(purchase_order_id=invoice.purchase_order_id)
    }
    rows: list[Row] = (
        [
            (line.description, line.quantity, line.unit_price, line)
            for _n, line in sorted(order_lines.items())
        ]
        if entered is None
        else _entered_rows(entered, order_lines)
    )
    _refuse_lines_that_differ(invoice, rows, entered is None)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=i,
            po_line=order_line,
            order_line_reference=str(order_line.line_no) if order_line else "",
            description=description[:300],
            quantity=quantity,
            unit_price=price,
            net_amount=(quantity * price).quantize(CENT),
        )
        for i, (description, quantity, price, order_line) in enumerate(rows, start=1)
    )
    invoice.header_only = False
    invoice.save(update_fields=["header_only"])
    event_record(
        actor=actor,
        action="invoice.lines_confirmed",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={
            "order": invoice.po_reference,
            "lines": len(rows),
            "source": "order" if entered is None else "entered",
        },
    )


def _refuse_lines_that_differ(invoice: Invoice, rows: list[Row], from_order: bool) -> None:
    """The lines must add up to the invoice's net within the header tolerance of the order's
    category."""
    total = sum(((q * p).quantize(CENT) for _d, q, p, _l in rows), ZERO)
    invoiced = net_of(invoice)
    _version, document = policy_section()
    limits = header_limits(document["invoices"], invoice.purchase_order_id)
    if rows and within(abs(invoiced - total), total, limits):
        return
    what = _("The order's lines") if from_order else _("The lines entered")
    raise ValidationFailed(
        errors={
            "lines": [
                _(
                    "%(what)s add up to %(sum)s, the invoice's net is %(net)s: the lines "
                    "differ; enter the invoice's own lines, reject it or ask the supplier."
                )
                % {"what": what, "sum": total, "net": invoiced}
            ]
        }
    )


def _entered_rows(
    entered: list[dict[str, Any]], order_lines: dict[int, PurchaseOrderLine]
) -> list[Row]:
    rows = []
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(entered[:MAX_LINES]):
        try:
            quantity = Decimal(str(line.get("quantity", "")).strip())
            price = Decimal(str(line.get("unit_price", "")).strip())
            if not (quantity.is_finite() and price.is_finite()) or price < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"lines[{i}]"] = [_("A quantity and a unit price of zero or more.")]
            continue
        reference = str(line.get("order_line") or "").strip()
        order_line = order_lines.get(int(reference)) if reference.isdigit() else None
        if reference and order_line is None:
            errors[f"lines[{i}].order_line"] = [_("Not a line number of the order.")]
            continue
        description = str(line.get("description") or "").strip()
        if not description and order_line is not None:
            description = order_line.description
        rows.append((description or _("(no description)"), quantity, price, order_line))
    if len(entered) > MAX_LINES:
        errors["lines"] = [_("At most %s lines.") % MAX_LINES]
    if errors:
        raise ValidationFailed(errors=errors)
    return rows
