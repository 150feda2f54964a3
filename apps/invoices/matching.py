"""Two- and three-way matching, set-based: a batch of invoices is matched with a handful of
queries whatever its size (load invoices, lines, order lines and what others invoiced; write
lines, exceptions, invoices and the audit trail in bulk).

Two-way (services, per the policy's spend categories) compares the invoice with the order;
three-way (goods) also with what was received. Every line keeps its variances, the
tolerances applied and the policy version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz

from apps.procurement.models import PurchaseOrderLine

from .models import Invoice, InvoiceException, InvoiceLine

ZERO = Decimal("0")
CENT = Decimal("0.01")


def within(variance: Decimal, base: Decimal, tolerance: dict[str, Any]) -> bool:
    """Is an unfavourable variance within a tolerance? The absolute limit is checked first;
    "and" needs both limits, "or" either. No limit at all accepts nothing."""
    if variance <= 0:
        return True
    absolute, percent = tolerance.get("absolute"), tolerance.get("percent")
    combine = tolerance.get("combine", "and")
    if absolute is None and percent is None:
        return False
    absolute_ok = None if absolute is None else variance <= Decimal(str(absolute))
    if combine == "and" and absolute_ok is False:
        return False
    if combine == "or" and absolute_ok:
        return True
    if percent is None:
        return bool(absolute_ok)
    percent_ok = base > 0 and variance * 100 <= Decimal(str(percent)) * base
    return (
        percent_ok if combine == "or" or absolute_ok is None else bool(absolute_ok and percent_ok)
    )


@dataclass
class Finding:
    code: str
    line_id: int | None
    detail: str
    amount: Decimal
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class LineResult:
    line_id: int
    po_line_id: int | None
    status: str
    kind: str
    price_variance: Decimal
    quantity_variance: Decimal
    detail: dict[str, Any]


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pick_order_line(
    line: dict[str, Any], order_lines: list[dict[str, Any]], taken: set[int], count: int
) -> dict[str, Any] | None:
    """The order line an invoice line is for: its reference (line number), else the best
    description match, else the same position when both have as many lines."""
    ref = (line["order_line_reference"] or "").strip()
    if ref.isdigit():
        found = next((o for o in order_lines if o["line_no"] == int(ref)), None)
        if found is not None:
            return found
    best, score = None, 0.0
    for order_line in order_lines:
        if order_line["id"] in taken:
            continue
        similarity = fuzz.token_set_ratio(
            line["description"].lower(), order_line["description"].lower()
        )
        if similarity > score:
            best, score = order_line, similarity
    if best is not None and score >= 80:
        return best
    if count == len(order_lines):
        return next((o for o in order_lines if o["line_no"] == line["line_no"]), None)
    return None


def match_lines(
    invoice: dict[str, Any],
    lines: list[dict[str, Any]],
    order_lines: dict[int, dict[str, Any]],
    lines_by_order: dict[Any, list[dict[str, Any]]],
    invoiced_elsewhere: dict[int, Decimal],
    section: dict[str, Any],
    tolerances_for: Any,
) -> tuple[list[LineResult], list[Finding]]:
    """Match one invoice's lines (pure: no queries). `invoiced_elsewhere` is updated with
    this invoice's quantities, so several invoices against one order share it."""
    results, findings = [], []
    taken: set[int] = set()
    expected_total, invoiced_total = ZERO, ZERO
    header_tolerance: dict[str, Any] | None = None
    order_candidates = lines_by_order.get(invoice["purchase_order_id"], [])
    for line in lines:
        order_line = order_lines.get(line["po_line_id"]) if line["po_line_id"] else None
        if order_line is None and order_candidates:
            order_line = _pick_order_line(line, order_candidates, taken, len(lines))
        if order_line is None:
            if invoice["purchase_order_id"] is None:
                results.append(
                    LineResult(line["id"], None, InvoiceLine.Match.PENDING, "", ZERO, ZERO, {})
                )
                continue
            amount = _money(line["net_amount"])
            results.append(
                LineResult(
                    line["id"],
                    None,
                    InvoiceLine.Match.UNMATCHED,
                    "",
                    ZERO,
                    line["quantity"],
                    {"reason": "not on the order"},
                )
            )
            findings.append(
                Finding(
                    "quantity_variance",
                    line["id"],
                    f"Line {line['line_no']} is not on the order.",
                    amount,
                    {"line_no": line["line_no"]},
                )
            )
            continue
        taken.add(order_line["id"])
        category = order_line["category"]
        tolerance = tolerances_for(category)
        header_tolerance = header_tolerance or tolerance["header"]
        kind = "two_way" if category in section["two_way_categories"] else "three_way"
        quantity, price = line["quantity"], line["unit_price"]
        ordered_price = order_line["unit_price"]
        accepted = line["match_detail"].get("accepted", {})
        already = invoiced_elsewhere.get(order_line["id"], ZERO)
        invoiced_elsewhere[order_line["id"]] = already + quantity
        detail: dict[str, Any] = {
            "order_line": order_line["line_no"],
            "ordered_quantity": str(order_line["quantity"]),
            "received_quantity": str(order_line["received_quantity"]),
            "invoiced_before": str(already),
            "order_unit_price": str(ordered_price),
            "tolerances": {k: tolerance[k] for k in ("price", "quantity")},
        }
        status = InvoiceLine.Match.MATCHED
        price_gap = _money((price - ordered_price) * abs(quantity))
        if quantity > 0 and price_gap > 0:
            if Decimal(accepted.get("price_variance", "-1")) >= price_gap:
                status = InvoiceLine.Match.ACCEPTED
            elif within(price_gap, _money(ordered_price * quantity), tolerance["price"]):
                status = InvoiceLine.Match.WITHIN_TOLERANCE
            else:
                status = InvoiceLine.Match.VARIANCE
                findings.append(
                    Finding(
                        "price_variance",
                        line["id"],
                        f"Line {line['line_no']}: {price:.2f} invoiced, "
                        f"{ordered_price:.2f} ordered ({price_gap} over).",
                        price_gap,
                        {
                            "line_no": line["line_no"],
                            "invoiced": str(price),
                            "ordered": str(ordered_price),
                            "gap": str(price_gap),
                        },
                    )
                )
        quantity_gap = ZERO
        if quantity > 0:
            ordered_left = order_line["quantity"] - already
            received_left = order_line["received_quantity"] - already
            over_order = quantity - ordered_left
            short_receipt = quantity - received_left if kind == "three_way" else ZERO
            quantity_accepted = Decimal(accepted.get("quantity_variance", "-1")) >= over_order > 0
            if quantity_accepted:
                if status != InvoiceLine.Match.VARIANCE:
                    status = InvoiceLine.Match.ACCEPTED
            elif over_order > 0 and not within(
                over_order, order_line["quantity"], tolerance["quantity"]
            ):
                quantity_gap = over_order
                status = InvoiceLine.Match.VARIANCE
                findings.append(
                    Finding(
                        "quantity_variance",
                        line["id"],
                        f"Line {line['line_no']}: {_qty(quantity)} invoiced, "
                        f"{_qty(max(ordered_left, ZERO))} left on the order.",
                        _money(over_order * ordered_price),
                        {
                            "line_no": line["line_no"],
                            "invoiced": str(quantity),
                            "open_on_order": str(ordered_left),
                            "gap": str(over_order),
                        },
                    )
                )
            elif short_receipt > 0 and not within(
                short_receipt, order_line["quantity"], tolerance["quantity"]
            ):
                quantity_gap = short_receipt
                status = InvoiceLine.Match.VARIANCE
                findings.append(
                    Finding(
                        "not_received",
                        line["id"],
                        f"Line {line['line_no']}: {_qty(quantity)} invoiced, "
                        f"{_qty(max(received_left, ZERO))} received and not yet invoiced.",
                        _money(short_receipt * ordered_price),
                        {
                            "line_no": line["line_no"],
                            "invoiced": str(quantity),
                            "received_open": str(received_left),
                        },
                    )
                )
            elif (over_order > 0 or short_receipt > 0) and status == InvoiceLine.Match.MATCHED:
                status = InvoiceLine.Match.WITHIN_TOLERANCE
        # an accepted variance is agreed: the header check no longer counts it
        accepted_line = status == InvoiceLine.Match.ACCEPTED
        expected_total += _money(line["net_amount"] if accepted_line else ordered_price * quantity)
        invoiced_total += _money(line["net_amount"])
        results.append(
            LineResult(
                line["id"],
                order_line["id"],
                status,
                kind,
                price_gap if price_gap > 0 else ZERO,
                quantity_gap,
                detail,
            )
        )
    header_gap = invoiced_total - expected_total
    line_codes = {f.code for f in findings}
    if header_tolerance is not None and header_gap > 0 and "price_variance" not in line_codes:
        accepted_header = invoice["accepted_header_variance"] or Decimal("-1")
        if (
            not within(header_gap, expected_total, header_tolerance)
            and accepted_header < header_gap
        ):
            findings.append(
                Finding(
                    "price_variance",
                    None,
                    f"The invoice is {header_gap} above the order value of its lines "
                    f"({expected_total}).",
                    _money(header_gap),
                    {
                        "expected": str(expected_total),
                        "invoiced": str(invoiced_total),
                        "header": True,
                    },
                )
            )
    return results, findings


ORDER_LINE_FIELDS = (
    "id",
    "purchase_order_id",
    "line_no",
    "description",
    "quantity",
    "unit_price",
    "received_quantity",
)


# The batch's invoice ids, COPied once into a session temporary table, so the other reads
# join against it instead of sending (and quoting) thousands of ids per query.
_IN_BATCH = "SELECT id FROM invoice_match_batch"
_BATCH_ORDER_LINES = (
    "SELECT id FROM procurement_purchaseorderline WHERE purchase_order_id IN "
    "(SELECT purchase_order_id FROM invoices_invoice WHERE id IN (SELECT id FROM "
    "invoice_match_batch)) UNION SELECT po_line_id FROM invoices_invoiceline WHERE "
    "po_line_id IS NOT NULL AND invoice_id IN (SELECT id FROM invoice_match_batch)"
)


def _remember_batch(ids: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS invoice_match_batch (id uuid PRIMARY KEY) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE invoice_match_batch")
        with cursor.cursor.copy("COPY invoice_match_batch (id) FROM STDIN") as copy:
            for invoice_id in ids:
                copy.write_row((invoice_id,))
        cursor.execute("ANALYZE invoice_match_batch")


def load_batch(invoice_ids: list[Any]) -> dict[str, Any]:
    """Everything matching a batch needs, in a handful of queries."""
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(pk__in=invoice_ids, status=Invoice.Status.RECEIVED)
        .values(
            "id",
            "kind",
            "purchase_order_id",
            "supplier_id",
            "currency",
            "lines_total",
            "touched",
            "invoice_number",
            "created_at",
            "accepted_header_variance",
        )
    )
    if not invoices:
        return {"invoices": [], "lines": [], "order_lines": {}, "invoiced": {}, "open": []}
    _remember_batch([i["id"] for i in invoices])
    in_batch = RawSQL(_IN_BATCH, [])  # noqa: S611 (a constant statement, no parameters)
    lines = list(
        InvoiceLine.objects.filter(invoice_id__in=in_batch)
        .order_by("invoice_id", "line_no")
        .values(
            "id",
            "invoice_id",
            "line_no",
            "po_line_id",
            "order_line_reference",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "match_detail",
        )
    )
    order_lines = {
        o["id"]: o
        for o in PurchaseOrderLine.objects.filter(
            pk__in=RawSQL(_BATCH_ORDER_LINES, [])  # noqa: S611 (constant, no parameters)
        ).values(
            *ORDER_LINE_FIELDS, category=F("purchase_order__requisition__spend_category__code")
        )
    }
    invoiced = defaultdict(lambda: ZERO)
    if order_lines:
        for row in (
            InvoiceLine.objects.filter(
                po_line_id__in=RawSQL(_BATCH_ORDER_LINES, []),  # noqa: S611 (constant)
                invoice__kind=Invoice.Kind.INVOICE,
            )
            .exclude(invoice_id__in=in_batch)
            .exclude(invoice__status=Invoice.Status.REJECTED)
            .values("po_line_id")
            .annotate(quantity=Sum("quantity"))
        ):
            invoiced[row["po_line_id"]] = row["quantity"]
    open_exceptions = list(
        InvoiceException.objects.filter(invoice_id__in=in_batch)
        .exclude(status=InvoiceException.Status.RESOLVED)
        .values("id", "invoice_id", "code", "line_id", "status", "data")
    )
    return {
        "invoices": invoices,
        "lines": lines,
        "order_lines": order_lines,
        "invoiced": invoiced,
        "open": open_exceptions,
    }
