"""The reading checked against the tenant's records: who the supplier is (by tax id first, else
by a fuzzy match of the name), whether the tax id on the invoice is that supplier's, and
whether the PO it quotes is one of that supplier's orders. Each doubt is a finding and lowers
the field's confidence. A supplier's own user is checked against its own records only: it
learns whether a PO is one of its orders, never whose it is (nor whether it exists)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.procurement.models import PurchaseOrder
from apps.procurement.selectors import purchase_orders_visible_to
from apps.suppliers.models import Supplier
from apps.suppliers.selectors import suppliers_of_seller
from apps.suppliers.validation import tax_id_forms

from .read import Reading

NAME_MATCH = 86  # rapidfuzz token_sort_ratio at least this names the supplier


def _finding(reading: Reading, code: str, detail: str, field: str) -> None:
    reading.findings.append({"code": code, "detail": detail, "field": field})


def _lower(reading: Reading, field: str, to: float) -> None:
    reading.confidence[field] = round(min(reading.confidence.get(field, 0.0), to), 3)


def supplier_match(reading: Reading, scope: Supplier | None) -> Supplier | None:
    """The tenant's supplier the invoice is from: by tax id as the intake finds a seller
    (suppliers_of_seller: with or without the country prefix), else by a close name.
    `scope`: a supplier's own user, who is only ever matched to itself."""
    from rapidfuzz import fuzz, process

    found = reading.fields["supplier"]
    tax = found.get("tax_id", "")
    matched: Supplier | None = None
    if scope is not None:
        by_tax = [scope] if tax_id_forms(tax) & tax_id_forms(scope.tax_id) else []
    else:
        by_tax = suppliers_of_seller(tax_id=tax, names=[], ibans=[]) if tax else []
    if by_tax:
        matched = by_tax[0]
        reading.confidence["supplier"] = max(reading.confidence["supplier"], 0.97)
    elif found.get("name"):
        names = (
            {scope.pk: scope.name}
            if scope is not None
            else dict(Supplier.objects.values_list("pk", "name"))
        )
        best = process.extractOne(found["name"], names, scorer=fuzz.token_sort_ratio)
        squeezed = process.extractOne(
            found["name"].replace(" ", "").lower(),
            {k: v.replace(" ", "").lower() for k, v in names.items()},
            scorer=fuzz.ratio,
        )
        score = max(best[1] if best else 0, squeezed[1] if squeezed else 0)
        key = best if best and best[1] >= (squeezed[1] if squeezed else 0) else squeezed
        if key and score >= NAME_MATCH:
            matched = scope if scope is not None else Supplier.objects.get(pk=key[2])
            reading.confidence["supplier"] = round(
                max(reading.confidence["supplier"], 0.6 + 0.35 * score / 100), 3
            )
    if scope is not None and matched is None and (tax or found.get("name")):
        _finding(
            reading,
            "supplier_not_you",
            _("The invoice does not name you as its seller."),
            "supplier",
        )
        _lower(reading, "supplier", 0.4)
    if matched is not None:
        found["id"] = str(matched.pk)
        found["matched_name"] = matched.name
    return matched


def tax_id_check(reading: Reading, supplier: Supplier | None) -> None:
    found = reading.fields["supplier"]
    if found.get("tax_id") and not found.get("tax_id_valid"):
        _finding(
            reading,
            "tax_id_invalid",
            _("The tax id %s does not pass its check digits.") % found["tax_id"],
            "supplier",
        )
        _lower(reading, "supplier", 0.6)
    if supplier is None or not found.get("tax_id") or not supplier.tax_id:
        return
    if not tax_id_forms(supplier.tax_id) & tax_id_forms(found["tax_id"]):
        _finding(
            reading,
            "tax_id_not_suppliers",
            _("The tax id on the invoice (%(found)s) is not the supplier's on record.")
            % {"found": found["tax_id"]},
            "supplier",
        )
        _lower(reading, "supplier", 0.5)


def po_check(
    reading: Reading, supplier: Supplier | None, actor: Any, scope: Supplier | None
) -> None:
    """The PO quoted belongs to this supplier. A supplier's user is told only whether it is one
    of its own orders."""
    number = reading.fields.get("po_number")
    reading.fields["purchase_order_id"] = None
    if not number:
        return
    if scope is not None:
        order = purchase_orders_visible_to(actor).filter(number__iexact=number).first()
        if order is None:
            _finding(
                reading, "po_not_yours", _("PO %s is not one of your orders.") % number, "po_number"
            )
            _lower(reading, "po_number", 0.5)
            return
    else:
        order = (
            PurchaseOrder.objects.filter(number__iexact=number).select_related("supplier").first()
        )
        if order is None:
            _finding(
                reading, "po_unknown", _("No purchase order is numbered %s.") % number, "po_number"
            )
            _lower(reading, "po_number", 0.6)
            return
        if supplier is not None and order.supplier_id != supplier.pk:
            _finding(
                reading,
                "po_other_supplier",
                _("PO %(po)s was issued to another supplier (%(name)s).")
                % {"po": number, "name": order.supplier.name if order.supplier else "?"},
                "po_number",
            )
            _lower(reading, "po_number", 0.5)
            return
    reading.fields["purchase_order_id"] = str(order.pk)
    if reading.fields.get("currency") and order.currency != reading.fields["currency"]:
        _finding(
            reading,
            "currency_not_po",
            _("The invoice is in %(cur)s; the order is in %(po)s.")
            % {"cur": reading.fields["currency"], "po": order.currency},
            "currency",
        )
        _lower(reading, "currency", 0.6)


def arithmetic_findings(reading: Reading) -> None:
    """The reader's own doubts, in words (EN 16931 arithmetic)."""
    words = {
        "totals_disagree": (_("Net total plus tax does not equal the total read."), "total"),
        "lines_disagree": (_("The lines do not add up to the net total read."), "lines"),
    }
    for finding in reading.findings:
        if finding["code"] in words and "field" not in finding:
            finding["detail"], finding["field"] = words[finding["code"]]


def cross_check(reading: Reading, *, actor: Any, scope: Supplier | None) -> Supplier | None:
    arithmetic_findings(reading)
    supplier = supplier_match(reading, scope)
    tax_id_check(reading, supplier)
    po_check(reading, supplier or scope, actor, scope)
    return supplier
