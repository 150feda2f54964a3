"""Credit notes at matching. A credit note lowers what is owed, so its lines are not held to
an order's price or quantity; what is checked is that it corrects a known document: each line
is tied to an order line of the credit note's order, or the credit note credits a known
invoice. A credit note tied to neither is held with `credit_note_unmatched` (never approved
by default); on an order but not crediting an invoice, a line that is not on the order is held
the same way, at line level. Each line's result is a `LineMatch` of kind `credit`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.invoices.models import Invoice, InvoiceLine, LineMatch, MatchStatus
from apps.invoices.tolerances import ZERO, Finding

_UPDATED = [
    "status",
    "kind",
    "price_variance",
    "quantity_variance",
    "order_line_no",
    "ordered_quantity",
    "received_quantity",
    "invoiced_before",
    "order_unit_price",
    "policy_version",
]


def credit_note_findings(
    invoices: list[dict[str, Any]], found: dict[Any, list[Finding]], policy: str
) -> None:
    """Match the batch's credit notes (`invoices` as `load_batch` reads them): their lines'
    results are written and what needs AP is added to `found`. Costs nothing for a batch
    without credit notes."""
    notes = {i["id"]: i for i in invoices if i["kind"] == Invoice.Kind.CREDIT_NOTE}
    if not notes:
        return
    credited = dict(Invoice.objects.filter(pk__in=notes).values_list("pk", "credited_invoice_id"))
    lines_of: dict[Any, list[dict[str, Any]]] = {}
    rows: Any = (
        InvoiceLine.objects.filter(invoice_id__in=notes)
        .order_by("invoice_id", "line_no")
        .values(
            "id",
            "invoice_id",
            "line_no",
            "po_line_id",
            "po_line__line_no",
            "po_line__quantity",
            "po_line__received_quantity",
            "po_line__unit_price",
        )
    )
    for row in rows:
        lines_of.setdefault(row["invoice_id"], []).append(row)
    results: list[LineMatch] = []
    for invoice_id, note in notes.items():
        lines = lines_of.get(invoice_id, [])
        credits_invoice = credited.get(invoice_id) is not None
        on_order = note["purchase_order_id"] is not None or any(ln["po_line_id"] for ln in lines)
        if not credits_invoice and not on_order:
            found.setdefault(invoice_id, []).append(
                Finding(
                    "credit_note_unmatched",
                    None,
                    _("The credit note is tied to no order or invoice."),
                    ZERO,
                )
            )
            continue  # its lines stay "not matched yet": there is nothing to match them with
        for line in lines:
            tied = line["po_line_id"] is not None or credits_invoice
            results.append(
                LineMatch(
                    line_id=line["id"],
                    status=MatchStatus.MATCHED if tied else MatchStatus.UNMATCHED,
                    kind="credit",
                    price_variance=ZERO,
                    quantity_variance=ZERO,
                    order_line_no=line["po_line__line_no"],
                    ordered_quantity=line["po_line__quantity"],
                    received_quantity=line["po_line__received_quantity"],
                    invoiced_before=None,
                    order_unit_price=line["po_line__unit_price"],
                    policy_version=policy,
                )
            )
            if not tied:
                found.setdefault(invoice_id, []).append(
                    Finding(
                        "credit_note_unmatched",
                        line["id"],
                        _(
                            "Line %s of the credit note is not on the order, and the credit "
                            "note credits no known invoice."
                        )
                        % line["line_no"],
                        ZERO,
                        {"line_no": line["line_no"]},
                    )
                )
    if results:
        LineMatch.objects.bulk_create(
            results, update_conflicts=True, unique_fields=["line"], update_fields=_UPDATED
        )
