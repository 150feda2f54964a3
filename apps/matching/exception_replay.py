"""Which of the last days' price and quantity exceptions other tolerances would not have
raised, and which invoices matched without one would have raised one: each line's stored
match (its price gap, what was ordered, received and invoiced before, `LineMatch`) and each
invoice's total judged again under two invoice sections by the matching statement's own
`within_sql` and tolerance table, per spend category, in one aggregate statement whatever the
volume; a person's acceptance aside (it came after the exception).

The policy editor's impact preview shows it for a draft (registered in apps.matching.apps),
and insights measures the tolerance it proposes with it (several candidates in the one
statement), so the number insights states, the preview shows and matching applies are one. A
line's exception the draft would spare counts only when the header tolerance would not raise
one on the invoice total in its place (the header is checked when no line raised a price
variance), and header exceptions are judged again the same way. Not replayed: exceptions on
lines not on the order, on a header-only invoice, and the price of a line bought from a
contract's catalog (its contract price check); a category moved between two- and three-way
matching keeps its stored kind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from apps.organization.models import SpendCategory
from apps.policies.document import validate_document

from .lines import tolerance_rows, tolerance_table, within_sql

# the exceptions a line's price and quantity tolerances raise (lines.MATCH_SQL)
CODES = ("price_variance", "quantity_variance", "not_received")
# stored results of lines that raised neither
MATCHED = ("matched", "within_tolerance")

# The invoices in view: with an exception of CODES raised in the window, and (%(newly)s) the
# invoices received in it. Their lines matched against an order line, with what the verdicts
# read, as the matching statement reads them (lines.MATCH_SQL): the price gap and its base
# (also the line's part of the header's expected value), what was ordered, and how far the
# line is over the order and short of what was received.
_LINES = """
    SELECT l.id, l.invoice_id, l.line_no, l.quantity, m.status,
        coalesce(sc.code, '') AS category, pol.catalog_item_id IS NOT NULL AS catalog,
        m.price_variance AS price_gap, round(m.order_unit_price * l.quantity, 2) AS base,
        round(l.net_amount, 2) AS invoiced, m.ordered_quantity AS ordered,
        l.quantity - (m.ordered_quantity - coalesce(m.invoiced_before, 0)) AS over_order,
        CASE WHEN m.kind = 'two_way' THEN 0 ELSE l.quantity
            - (coalesce(m.received_quantity, 0) - coalesce(m.invoiced_before, 0)) END
            AS short_receipt
    FROM invoices_linematch m
    JOIN invoices_invoiceline l ON l.id = m.line_id
    JOIN invoices_invoice i ON i.id = l.invoice_id
    JOIN procurement_purchaseorderline pol ON pol.id = l.po_line_id
    JOIN procurement_purchaseorder po ON po.id = pol.purchase_order_id
    LEFT JOIN procurement_requisition r ON r.id = po.requisition_id
    LEFT JOIN organization_spendcategory sc ON sc.id = r.spend_category_id
    WHERE i.kind = 'invoice' AND m.kind <> '' AND i.id IN (
        SELECT invoice_id FROM invoices_invoiceexception
            WHERE created_at >= %(since)s AND code = ANY(%(codes)s)
        UNION SELECT id FROM invoices_invoice WHERE %(newly)s AND created_at >= %(since)s)"""
# a line's price and quantity verdicts under the tolerances of {side} (b before, a after)
_LINE_VERDICTS = """line.quantity > 0 AND line.price_gap > 0 AND NOT {price} AS price_{side},
    CASE WHEN line.quantity <= 0 THEN NULL
        WHEN line.over_order > 0 AND NOT {over} THEN 'quantity_variance'
        WHEN line.short_receipt > 0 AND NOT {short} THEN 'not_received' END AS quantity_{side}"""
# an invoice's header verdict under {side}: checked when no line raised a price variance, the
# invoice's matched lines against their order value, under the header tolerance of its first
# line's category (lines.MATCH_SQL's `header`)
_HEADER_VERDICT = """NOT inv.line_price_{side} AND inv.invoiced - inv.expected > 0
    AND NOT {header} AS header_{side}"""
# `b`: the tolerances before; `a`: those after, of each candidate (1..%(candidates)s)
_REPLAY_TEMPLATE = """
WITH b AS ({before}),
a AS ({after}),
candidate AS (SELECT generate_series(1, %(candidates)s) AS candidate),
judged AS (
    SELECT line.*, c.candidate, {line_verdicts}
    FROM ({lines}) AS line CROSS JOIN candidate c
    LEFT JOIN b ON b.category = line.category
    LEFT JOIN a ON a.candidate = c.candidate AND a.category = line.category
),
invoice AS (
    SELECT inv.*, {header_verdicts}
    FROM (
        SELECT invoice_id, candidate,
            (min(ARRAY[lpad(line_no::text, 5, '0'), category]))[2] AS category,
            sum(base) AS expected, sum(invoiced) AS invoiced,
            bool_or(price_b) AS line_price_b, bool_or(price_a) AS line_price_a,
            bool_and(status = ANY(%(matched)s)) AS matched
        FROM judged GROUP BY invoice_id, candidate
    ) AS inv
    LEFT JOIN b ON b.category = inv.category
    LEFT JOIN a ON a.candidate = inv.candidate AND a.category = inv.category
),
clean AS (  -- received in the window, matched without a price or quantity exception
    SELECT v.invoice_id AS id FROM invoice v JOIN invoices_invoice i ON i.id = v.invoice_id
    WHERE %(newly)s AND v.candidate = 1 AND v.matched AND i.created_at >= %(since)s
        AND NOT EXISTS (SELECT 1 FROM invoices_invoiceexception x
            WHERE x.invoice_id = i.id AND x.code = ANY(%(codes)s))
),
found AS ({found})
SELECT GROUPING(category, code, replayed) <> 0, candidate, category, code, replayed,
    count(*) FILTER (WHERE newly_on IS NULL), count(*) FILTER (WHERE avoided),
    count(DISTINCT newly_on)
FROM found GROUP BY GROUPING SETS ((candidate, category, code, replayed), (candidate))
"""
# The window's exceptions of CODES, once per candidate: `replayed` when judged again (on a
# line that is not from a contract's catalog, whose contract price check is not replayed, or
# on the total of an invoice with lines); `avoided` when `b` raises it and `a` does not (nor
# the header in its place). Then each clean invoice that `a` would hold (`newly_on`).
_FOUND = """
    SELECT c.candidate, coalesce(j.category, v.category, '') AS category, e.code,
        CASE WHEN e.line_id IS NULL THEN v.invoice_id IS NOT NULL
                AND e.data ? 'header' AND NOT e.data ? 'profile'
            ELSE j.id IS NOT NULL AND (e.code <> 'price_variance' OR NOT j.catalog)
        END AS replayed,
        coalesce(CASE
            WHEN e.line_id IS NULL THEN v.header_b AND NOT v.header_a AND NOT v.line_price_a
            WHEN e.code = 'price_variance' THEN j.price_b AND NOT j.price_a AND NOT v.header_a
            ELSE j.quantity_b = e.code AND j.quantity_a IS NULL END, false) AS avoided,
        NULL::uuid AS newly_on
    FROM invoices_invoiceexception e CROSS JOIN candidate c
    LEFT JOIN judged j ON j.id = e.line_id AND j.candidate = c.candidate
    LEFT JOIN invoice v ON v.invoice_id = e.invoice_id AND v.candidate = c.candidate
    WHERE e.created_at >= %(since)s AND e.code = ANY(%(codes)s)
    UNION ALL
    SELECT candidate, category, 'price_variance', true, false, invoice_id FROM invoice
    WHERE invoice_id IN (SELECT id FROM clean)
        AND (line_price_a OR header_a) AND NOT (line_price_b OR header_b)
    UNION ALL
    SELECT candidate, category, quantity_a, true, false, invoice_id FROM judged
    WHERE invoice_id IN (SELECT id FROM clean)
        AND quantity_a IS NOT NULL AND quantity_b IS NULL"""


def _replay_sql() -> str:
    sides = ("b", "a")
    line_verdicts = ", ".join(
        _LINE_VERDICTS.format(
            side=side,
            price=within_sql("line.price_gap", "line.base", f"{side}.p"),
            over=within_sql("line.over_order", "line.ordered", f"{side}.q"),
            short=within_sql("line.short_receipt", "line.ordered", f"{side}.q"),
        )
        for side in sides
    )
    header_verdicts = ", ".join(
        _HEADER_VERDICT.format(
            side=side,
            header=within_sql("inv.invoiced - inv.expected", "inv.expected", f"{side}.h"),
        )
        for side in sides
    )
    return _REPLAY_TEMPLATE.format(
        before=tolerance_table("before"),
        after=tolerance_table("after", "candidate int,"),
        line_verdicts=line_verdicts,
        lines=_LINES,
        header_verdicts=header_verdicts,
        found=_FOUND,
    )


REPLAY_SQL = _replay_sql()


def exception_impacts(
    *, before: dict[str, Any], afters: list[dict[str, Any]], days: int = 90, newly: bool = True
) -> list[dict[str, Any]]:
    """For each of `afters`, the price and quantity exceptions raised in the last `days` days
    that its tolerances would not have raised where `before`'s would (validated documents'
    `invoices` sections) and, with `newly`, the invoices received then that matched without
    one and would have raised one; by spend category and exception code. One statement."""
    codes = list(SpendCategory.objects.values_list("code", flat=True))
    after_rows = [
        {"candidate": n, **row}
        for n, after in enumerate(afters, start=1)
        for row in tolerance_rows(after, codes)
    ]
    params: dict[str, Any] = {
        "before": Jsonb(tolerance_rows(before, codes)),
        "after": Jsonb(after_rows),
        "candidates": len(afters),
        "since": timezone.now() - timedelta(days=days),
        "codes": list(CODES),
        "matched": list(MATCHED),
        "newly": newly,
    }
    with connection.cursor() as cursor:
        cursor.execute(REPLAY_SQL, params)
        rows = cursor.fetchall()
    answers: list[dict[str, Any]] = [
        {
            "window_days": days,
            "raised": 0,
            "not_raised": 0,
            "newly_raised": 0,
            "not_replayed": 0,
            "by_category": [],
        }
        for _after in afters
    ]
    for total, candidate, category, code, replayed, raised, avoided, new in rows:
        answer = answers[candidate - 1]
        if total:
            answer["newly_raised"] = new
        elif not replayed:
            answer["not_replayed"] += raised
        else:
            answer["raised"] += raised
            answer["not_raised"] += avoided
            answer["by_category"].append(
                {
                    "category": category,
                    "code": code,
                    "raised": raised,
                    "not_raised": avoided,
                    "newly_raised": new,
                }
            )
    for answer in answers:
        answer["by_category"].sort(key=lambda r: (r["category"], CODES.index(r["code"])))
    return answers


def exception_impact(
    *, before: dict[str, Any], after: dict[str, Any], days: int = 90, newly: bool = True
) -> dict[str, Any]:
    """`exception_impacts` of one `after`."""
    return exception_impacts(before=before, afters=[after], days=days, newly=newly)[0]


def category_effect(impact: dict[str, Any], category: str, code: str) -> dict[str, Any]:
    """One row of `exception_impact`'s answer, zeros when it has none."""
    return next(
        (r for r in impact["by_category"] if r["category"] == category and r["code"] == code),
        {"category": category, "code": code, "raised": 0, "not_raised": 0, "newly_raised": 0},
    )


def policy_exception_impact(*, draft: Any, baseline: Any, days: int = 90) -> dict[str, Any]:
    """The impact preview's part for invoices: `exception_impact` from the `baseline` policy
    version's tolerances to the `draft`'s."""
    answer = exception_impact(
        before=validate_document(baseline.document)["invoices"],
        after=validate_document(draft.document)["invoices"],
        days=days,
    )
    return {**answer, "baseline": f"v{baseline.number}", "draft": f"v{draft.number}"}
