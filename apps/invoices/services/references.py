"""What an arriving invoice refers to: the orders it quotes (on its header and, in a CSV of
several orders, on its lines) and the invoice a credit note credits, each found among the
supplier's and within the filing actor's legal entities (docs/integrations.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.controls.entities import entity_limit, require_entity, within_entities
from apps.controls.refusals import ValidationFailed
from apps.einvoices import ParsedInvoice
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine
from apps.suppliers.models import Supplier

from ..duplicates import number_key
from ..models import Invoice


def _order_quoted(supplier: Supplier, reference: str, actor: Any) -> PurchaseOrder | None:
    """The supplier's order quoted; one outside the actor's legal entities is not found."""
    orders = PurchaseOrder.objects.filter(number__iexact=reference.strip(), supplier=supplier)
    return within_entities(orders, actor).first()


def _refuse_outside_limit(actor: Any, order: PurchaseOrder | None) -> None:
    """An actor limited to legal entities files invoices only on orders of theirs: an invoice
    on no order (or on one it cannot see) would belong to no entity it may read."""
    if entity_limit(actor) is None:
        return
    if order is None:
        raise ValidationFailed(
            errors={
                "purchase_order": [
                    _("Name a purchase order of the legal entities you are limited to (%s).")
                    % ", ".join(sorted(entity_limit(actor) or ()))
                ]
            }
        )
    require_entity(actor, order.legal_entity.code)


def _lines_of_other_orders(
    supplier: Supplier, parsed: ParsedInvoice, header: PurchaseOrder | None, actor: Any
) -> tuple[dict[int, PurchaseOrderLine], list[str]]:
    """Lines that name an order other than the invoice's (a CSV row per order): the order
    line each is for, and the order numbers not found for this supplier (nor within the
    actor's legal entities)."""
    own = header.number.upper() if header else ""
    wanted = {
        line.order_reference.strip().upper()
        for line in parsed.lines
        if line.order_reference.strip() and line.order_reference.strip().upper() != own
    }
    if not wanted:
        return {}, []
    orders: dict[str, list[PurchaseOrderLine]] = {}
    for order_line in within_entities(
        PurchaseOrderLine.objects.filter(
            purchase_order__supplier=supplier, purchase_order__number__in=wanted
        ),
        actor,
        field="purchase_order__legal_entity",
    ).select_related("purchase_order"):
        orders.setdefault(order_line.purchase_order.number.upper(), []).append(order_line)
    found: dict[int, PurchaseOrderLine] = {}
    for line in parsed.lines:
        candidates = orders.get(line.order_reference.strip().upper(), [])
        reference = line.order_line_reference.strip()
        if reference.isdigit():
            pick = next((o for o in candidates if o.line_no == int(reference)), None)
        else:
            pick = candidates[0] if len(candidates) == 1 else None
        if pick is not None:
            found[line.line_no] = pick
    return found, sorted(wanted - set(orders))


def orders_quoted(
    supplier: Supplier,
    parsed: ParsedInvoice,
    purchase_order: PurchaseOrder | None,
    po_lines: dict[int, PurchaseOrderLine] | None,
    actor: Any,
) -> tuple[PurchaseOrder | None, dict[int, PurchaseOrderLine], list[str]]:
    """The order the invoice quotes, the order line of each invoice line that names another
    order, and the order numbers quoted that are not the supplier's (within the actor's
    legal entities)."""
    missing_orders: list[str] = []
    if purchase_order is None and parsed.po_reference:
        purchase_order = _order_quoted(supplier, parsed.po_reference, actor)
        if purchase_order is None:
            missing_orders.append(parsed.po_reference.strip())
    _refuse_outside_limit(actor, purchase_order)
    if po_lines is None:
        po_lines, missing = _lines_of_other_orders(supplier, parsed, purchase_order, actor)
        missing_orders += [m for m in missing if m.upper() not in map(str.upper, missing_orders)]
    return purchase_order, po_lines or {}, missing_orders


def credited_invoice(supplier: Supplier, parsed: ParsedInvoice, actor: Any) -> Invoice | None:
    """The supplier's latest invoice a credit note names as the one it credits, of the
    actor's legal entities (another entity's invoice is not found, as an unknown one)."""
    if parsed.kind != Invoice.Kind.CREDIT_NOTE or not parsed.billing_reference:
        return None
    return (
        within_entities(
            Invoice.objects.filter(
                supplier=supplier,
                number_key=number_key(parsed.billing_reference),
                kind=Invoice.Kind.INVOICE,
            ),
            actor,
            field="purchase_order__legal_entity",
        )
        .order_by("-created_at")
        .first()
    )
