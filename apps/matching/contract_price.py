"""Price against contract at matching: an invoice line for an item bought from the contracted
catalog is compared with the contracted price as well as with the order's. A line above the
contracted price (beyond the category's price tolerance, and beyond what AP accepted) raises
`price_variance` naming the contract, even when the order carried the same wrong price."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from apps.invoices.models import Invoice, InvoiceLine
from apps.invoices.tolerances import CENT, Finding, within
from apps.organization.money import amount_text, unit_price_text
from apps.policies.invoice_section import tolerances_for

from .lines import IN_BATCH


def contract_price_findings(found: dict[Any, list[Finding]], section: dict[str, Any]) -> None:
    """Add (or merge into the line's order-price finding) the contract price breaches of the
    remembered batch. One query for the batch's catalog lines."""
    in_batch = RawSQL(IN_BATCH, [])  # noqa: S611 (a constant statement, no parameters)
    lines = (
        InvoiceLine.objects.filter(
            invoice_id__in=in_batch,
            invoice__kind=Invoice.Kind.INVOICE,  # a credit note is not held to a price
            po_line__catalog_item__isnull=False,
            quantity__gt=0,
        )
        .values(
            "id",
            "invoice_id",
            "line_no",
            "quantity",
            "unit_price",
            "accepted",
            "invoice__currency",
            "po_line__catalog_item__unit_price",
            "po_line__catalog_item__currency",
            "po_line__catalog_item__contract__number",
            "po_line__catalog_item__spend_category__code",
        )
        .order_by("invoice_id", "line_no")
    )
    for line in lines:
        contracted = line["po_line__catalog_item__unit_price"]
        if line["invoice__currency"] != line["po_line__catalog_item__currency"]:
            continue  # compared only in the contract's currency
        quantity = abs(line["quantity"])
        gap = ((line["unit_price"] - contracted) * quantity).quantize(CENT, ROUND_HALF_UP)
        accepted = Decimal(str((line["accepted"] or {}).get("price_variance", "-1")))
        category = line["po_line__catalog_item__spend_category__code"]
        limits = tolerances_for(section, category)["price"]
        if gap <= 0 or accepted >= gap or within(gap, contracted * quantity, limits):
            continue
        number = line["po_line__catalog_item__contract__number"]
        currency = line["invoice__currency"]
        price, over = unit_price_text(line["unit_price"], currency), amount_text(gap, currency)
        against = _("contract %(number)s price %(price)s (%(over)s over)") % {
            "number": number,
            "price": unit_price_text(contracted, currency),
            "over": over,
        }
        detail = _("Line %(n)s: %(invoiced)s invoiced, %(against)s.") % {
            "n": line["line_no"],
            "invoiced": price,
            "against": against,
        }
        data = {"contract": number, "contracted": str(contracted), "contract_gap": str(gap)}
        findings = found.setdefault(line["invoice_id"], [])
        same = next(
            (f for f in findings if f.code == "price_variance" and f.line_id == line["id"]), None
        )
        if same is not None:
            # one sentence, the line and its price said once
            if Decimal(same.data.get("ordered", "-1")) == contracted:
                same.detail = _(
                    "Line %(n)s: %(invoiced)s invoiced, %(ordered)s ordered and the contract "
                    "%(number)s price (%(over)s over)."
                ) % {
                    "n": line["line_no"],
                    "invoiced": price,
                    "ordered": unit_price_text(contracted, currency),
                    "number": number,
                    "over": over,
                }
            else:  # "Line 1: 65.00 invoiced, 63.00 ordered (20.00 over), contract … over)."
                same.detail = _("%(first)s, %(then)s.") % {
                    "first": same.detail.rstrip("."),
                    "then": against,
                }
            same.amount = max(same.amount, gap)
            same.data.update(data)
            # what AP accepts covers both gaps, so a re-match keeps the acceptance
            same.data["gap"] = str(max(Decimal(same.data.get("gap", "0")), gap))
            continue
        findings.append(
            Finding(
                "price_variance",
                line["id"],
                detail,
                gap,
                {
                    "line_no": line["line_no"],
                    "invoiced": str(line["unit_price"]),
                    "gap": str(gap),
                    **data,
                },
            )
        )
