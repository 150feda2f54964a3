"""Two- and three-way matching, set-based: a batch of invoices is matched by one SQL statement
whatever its size. The statement compares every invoice line with its order line (and, for
goods, what was received), keeps a running count of what earlier invoices already took from
each order line, stores every line's result (status, variances, what the line was compared
with and the policy version, as one narrow `LineMatch` row) and returns only what needs a
person: the findings. An invoice's `matched_at` says whether it has results already: a
first match inserts them plainly, a re-match replaces them.

Two-way (services, per the policy's spend categories) compares the invoice with the order;
three-way (goods) also with what was received. Tolerances come from the policy document per
spend category and are passed in as a small table; `within_sql` is the one definition of
"within tolerance".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb
from rapidfuzz import fuzz

from apps.invoices.models import Invoice, InvoiceException, InvoiceLine
from apps.invoices.tolerances import CENT, ZERO, Finding
from apps.organization.models import SpendCategory
from apps.organization.money import amount_text, unit_price_text
from apps.policies.invoice_section import tolerances_for
from apps.procurement.models import PurchaseOrderLine


def within_sql(variance: str, base: str, tolerance: str) -> str:
    """SQL for: is an unfavourable `variance` within the tolerance whose limits are the columns
    `<tolerance>_abs`, `<tolerance>_pct` and `<tolerance>_or`? The absolute limit is checked
    first (Ariba's model); "and" needs both limits, "or" either; a missing limit is not
    checked and a tolerance with neither accepts nothing. The arguments are column names or
    expressions of this module, never user input."""
    a, p, o = f"{tolerance}_abs", f"{tolerance}_pct", f"{tolerance}_or"
    variance, base = f"({variance})", f"({base})"
    return (
        f"(CASE WHEN {variance} <= 0 THEN true "
        f"WHEN {a} IS NULL AND {p} IS NULL THEN false "
        f"WHEN NOT {o} AND {a} IS NOT NULL AND {variance} > {a} THEN false "
        f"WHEN {o} AND {a} IS NOT NULL AND {variance} <= {a} THEN true "
        f"WHEN {p} IS NULL THEN {variance} <= {a} "
        f"ELSE {base} > 0 AND {variance} * 100 <= {p} * {base} END)"
    )


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- the batch
# The batch's invoice ids, COPied once into a session temporary table, so the statements
# join against it instead of sending (and quoting) thousands of ids per query.
IN_BATCH = "SELECT id FROM invoice_match_batch"


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


_BATCH_INVOICE_FIELDS = (
    "id",
    "kind",
    "purchase_order_id",
    "lines_total",
    "touched",
    "invoice_number",
    "supplier_id",
    "total",
    "currency",
    "header_only",
)
_LOAD_BATCH_FROM = (
    " FROM invoices_invoice WHERE id IN (SELECT id FROM invoice_match_batch) AND status = %s "
    "ORDER BY created_at, id FOR UPDATE"
)
# the column names are the constant tuple above, never input
_LOAD_BATCH_SQL = "SELECT " + ", ".join(_BATCH_INVOICE_FIELDS) + _LOAD_BATCH_FROM


def load_batch(invoice_ids: list[Any]) -> dict[str, Any]:
    """The batch's invoices still waiting to be matched, in the order they were received
    (locked; the others leave the batch), and every exception they ever had."""
    _remember_batch(list(dict.fromkeys(str(i) for i in invoice_ids)))
    with connection.cursor() as cursor:
        cursor.execute(_LOAD_BATCH_SQL, [Invoice.Status.RECEIVED])
        invoices = [dict(zip(_BATCH_INVOICE_FIELDS, row, strict=True)) for row in cursor]
        cursor.execute(
            "DELETE FROM invoice_match_batch b WHERE NOT EXISTS (SELECT 1 FROM "
            "invoices_invoice i WHERE i.id = b.id AND i.status = %s)",
            [Invoice.Status.RECEIVED],
        )
    if not invoices:
        return {"invoices": [], "exceptions": []}
    in_batch = RawSQL(IN_BATCH, [])  # noqa: S611 (a constant statement, no parameters)
    exceptions = list(
        InvoiceException.objects.filter(invoice_id__in=in_batch).values(
            "id", "invoice_id", "code", "line_id", "status"
        )
    )
    return {"invoices": invoices, "exceptions": exceptions}


# --------------------------------------------------------------------------- order lines
def _pick_order_line(
    line: dict[str, Any], order_lines: list[dict[str, Any]], taken: set[int], count: int
) -> dict[str, Any] | None:
    """The order line an invoice line is for: its reference (line number), else the best
    description match, else the same position when both have as many lines; an order line
    another line of the invoice took is not given twice."""
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
    if count == len(order_lines):  # the same position, unless another line took it
        return next(
            (o for o in order_lines if o["line_no"] == line["line_no"] and o["id"] not in taken),
            None,
        )
    return None


def link_order_lines() -> int:
    """Give invoice lines that name no order line the one they are for (by reference,
    description or position), for the batch's invoices and credit notes on an order. Only
    such invoices are read; invoices whose lines already name their order lines cost one
    query. Returns the number of lines linked."""
    pending: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            InvoiceLine.objects.filter(
                invoice_id__in=RawSQL(
                    "SELECT l.invoice_id FROM invoices_invoiceline l JOIN invoices_invoice i ON "
                    "i.id = l.invoice_id WHERE l.po_line_id IS NULL AND "
                    "i.purchase_order_id IS NOT NULL AND i.id IN (SELECT id FROM "
                    "invoice_match_batch)",
                    [],
                )
            )
            .order_by("invoice_id", "line_no")
            .values(
                "id",
                "invoice_id",
                "line_no",
                "po_line_id",
                "order_line_reference",
                "description",
                "invoice__purchase_order_id",
            )
        ),
    )
    if not pending:
        return 0
    orders = {line["invoice__purchase_order_id"] for line in pending}
    by_order: dict[Any, list[dict[str, Any]]] = {}
    for order_line in (
        PurchaseOrderLine.objects.filter(purchase_order_id__in=orders)
        .order_by("line_no")
        .values("id", "purchase_order_id", "line_no", "description")
    ):
        by_order.setdefault(order_line["purchase_order_id"], []).append(dict(order_line))
    lines_of: dict[Any, list[dict[str, Any]]] = {}
    for line in pending:
        lines_of.setdefault(line["invoice_id"], []).append(line)
    links: list[tuple[int, int]] = []
    for lines in lines_of.values():
        candidates = by_order.get(lines[0]["invoice__purchase_order_id"], [])
        taken: set[int] = set()
        for line in lines:
            if line["po_line_id"] is not None:
                taken.add(line["po_line_id"])
                continue
            picked = _pick_order_line(line, candidates, taken, len(lines))
            if picked is not None:
                taken.add(picked["id"])
                links.append((line["id"], picked["id"]))
    if links:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE invoices_invoiceline AS l SET po_line_id = v.po_line_id FROM "
                "unnest(%s::bigint[], %s::bigint[]) AS v(id, po_line_id) WHERE l.id = v.id",
                [[a for a, _ in links], [b for _, b in links]],
            )
    return len(links)


# --------------------------------------------------------------------------- the statement
def tolerance_rows(section: dict[str, Any], codes: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per spend category (the tenant's, or `codes`): its price, quantity and header
    limits and whether it is matched two-way; the statement reads them as `tolerance_table`."""
    rows = []
    two_way = set(section["two_way_categories"])
    if codes is None:
        codes = list(SpendCategory.objects.values_list("code", flat=True))
    for code in codes:
        tolerance = tolerances_for(section, code)
        row: dict[str, Any] = {"category": code, "two_way": code in two_way}
        for kind, prefix in (("price", "p"), ("quantity", "q"), ("header", "h")):
            limits = tolerance[kind]
            row[f"{prefix}_abs"] = limits.get("absolute")
            row[f"{prefix}_pct"] = limits.get("percent")
            row[f"{prefix}_or"] = limits.get("combine", "and") == "or"
        rows.append(row)
    return rows


_TOLERANCE_TABLE = """SELECT * FROM jsonb_to_recordset(%({rows})s) AS t({extra}
        category text, two_way boolean,
        p_abs numeric, p_pct numeric, p_or boolean,
        q_abs numeric, q_pct numeric, q_or boolean,
        h_abs numeric, h_pct numeric, h_or boolean)"""


def tolerance_table(rows: str, extra: str = "") -> str:
    """SQL for tolerance_rows as a table, from the JSON parameter named `rows` (with `extra`
    leading columns); the arguments are names of this package, never input."""
    return _TOLERANCE_TABLE.format(rows=rows, extra=extra)


_MATCH_TEMPLATE = """
WITH tol AS ({tolerance_table}),
before AS (  -- what invoices outside the batch already took from the batch's order lines
    SELECT l.po_line_id, sum(l.quantity) AS quantity
    FROM invoices_invoiceline l JOIN invoices_invoice i ON i.id = l.invoice_id
    WHERE l.po_line_id IN (
            SELECT bl.po_line_id FROM invoices_invoiceline bl
            WHERE bl.invoice_id IN (SELECT id FROM invoice_match_batch))
        AND i.kind = 'invoice' AND i.status <> 'rejected'
        AND i.id NOT IN (SELECT id FROM invoice_match_batch)
    GROUP BY l.po_line_id
),
line AS (
    SELECT l.id, l.invoice_id, l.line_no, l.quantity, l.unit_price, l.net_amount,
        l.accepted, i.currency,
        i.purchase_order_id IS NULL AS no_order, i.created_at,
        i.matched_at IS NULL AS first_match,
        pol.id AS po_line_id, pol.line_no AS order_line_no, pol.quantity AS ordered,
        pol.unit_price AS ordered_price, pol.received_quantity AS received,
        sc.code AS category,
        coalesce(before.quantity, 0) + coalesce(sum(l.quantity) FILTER (
            WHERE pol.id IS NOT NULL) OVER (PARTITION BY pol.id ORDER BY i.created_at, i.id,
            l.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS already
    FROM invoice_match_batch b
    JOIN invoices_invoice i ON i.id = b.id AND i.kind = 'invoice'
    JOIN invoices_invoiceline l ON l.invoice_id = i.id
    LEFT JOIN procurement_purchaseorderline pol ON pol.id = l.po_line_id
    LEFT JOIN procurement_purchaseorder po ON po.id = pol.purchase_order_id
    LEFT JOIN procurement_requisition r ON r.id = po.requisition_id
    LEFT JOIN organization_spendcategory sc ON sc.id = r.spend_category_id
    LEFT JOIN before ON before.po_line_id = pol.id
),
gap AS MATERIALIZED (  -- each derived amount computed once, not once per use below
    SELECT line.*, tol.two_way, tol.p_abs, tol.p_pct, tol.p_or, tol.q_abs,
        tol.q_pct, tol.q_or,
        round((unit_price - ordered_price) * abs(quantity), 2) AS price_gap,
        ordered - already AS ordered_left,
        received - already AS received_left,
        quantity - (ordered - already) AS over_order,
        CASE WHEN two_way THEN 0 ELSE quantity - (received - already) END AS short_receipt
    FROM line LEFT JOIN tol ON tol.category = line.category
),
price AS (
    SELECT gap.*,
        CASE
            WHEN po_line_id IS NULL OR quantity <= 0 OR price_gap <= 0 THEN 'matched'
            WHEN coalesce((accepted ->> 'price_variance')::numeric, -1) >= price_gap
                THEN 'accepted'
            WHEN {price_within} THEN 'within_tolerance'
            ELSE 'variance'
        END AS price_status,
        CASE
            WHEN po_line_id IS NULL OR quantity <= 0 THEN NULL
            WHEN over_order > 0 AND coalesce((accepted ->> 'quantity_variance')::numeric, -1)
                >= over_order THEN 'accepted'
            WHEN over_order > 0 AND NOT {over_within} THEN 'quantity_variance'
            WHEN short_receipt > 0 AND NOT {short_within} THEN 'not_received'
            WHEN over_order > 0 OR short_receipt > 0 THEN 'within_tolerance'
        END AS quantity_status
    FROM gap
),
result AS (
    SELECT price.*,
        CASE
            WHEN po_line_id IS NULL AND no_order THEN 'pending'
            WHEN po_line_id IS NULL THEN 'unmatched'
            WHEN price_status = 'variance'
                OR quantity_status IN ('quantity_variance', 'not_received') THEN 'variance'
            WHEN price_status = 'accepted' OR quantity_status = 'accepted' THEN 'accepted'
            WHEN price_status = 'within_tolerance' OR quantity_status = 'within_tolerance'
                THEN 'within_tolerance'
            ELSE 'matched'
        END AS status
    FROM price
),
fresh AS (  -- an invoice matched for the first time has no results yet: plain inserts
    INSERT INTO invoices_linematch ({stored_columns})
    SELECT {stored_values} FROM result AS r WHERE r.first_match
),
again AS (  -- a re-match replaces the results stored before (an upsert costs more per row)
    INSERT INTO invoices_linematch AS m ({stored_columns})
    SELECT {stored_values} FROM result AS r WHERE NOT r.first_match
    ON CONFLICT (line_id) DO UPDATE SET status = excluded.status, kind = excluded.kind,
        price_variance = excluded.price_variance,
        quantity_variance = excluded.quantity_variance,
        order_line_no = excluded.order_line_no, ordered_quantity = excluded.ordered_quantity,
        received_quantity = excluded.received_quantity,
        invoiced_before = excluded.invoiced_before,
        order_unit_price = excluded.order_unit_price, policy_version = excluded.policy_version
),
header AS (  -- the invoice against the order value of its matched lines, under the
             -- header tolerance of its first matched line's spend category
    SELECT invoice_id,
        (min(ARRAY[lpad(line_no::text, 5, '0'), category]))[2] AS category,
        sum(round(CASE WHEN status = 'accepted' THEN net_amount
            ELSE ordered_price * quantity END, 2)) AS expected,
        sum(round(net_amount, 2)) AS invoiced,
        bool_or(price_status = 'variance') AS line_price_variance
    FROM result WHERE po_line_id IS NOT NULL
    GROUP BY invoice_id
)
SELECT r.invoice_id, r.id, r.line_no, r.status, r.price_status, r.quantity_status,
    r.quantity, r.unit_price, r.ordered_price, r.net_amount, r.price_gap, r.ordered_left,
    r.received_left, r.over_order, r.short_receipt, NULL, NULL, r.currency
FROM result r
WHERE r.status IN ('variance', 'unmatched')
UNION ALL
SELECT h.invoice_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, h.expected, h.invoiced, i.currency
FROM header h JOIN invoices_invoice i ON i.id = h.invoice_id
    LEFT JOIN tol ON tol.category = h.category
WHERE NOT h.line_price_variance AND h.invoiced - h.expected > 0
    AND NOT {header_within}
    AND coalesce(i.accepted_header_variance, -1) < h.invoiced - h.expected
"""
# each line's result as one narrow LineMatch row, in the order of _STORED_COLUMNS
_STORED_COLUMNS = (
    "line_id, status, kind, price_variance, quantity_variance, order_line_no, "
    "ordered_quantity, received_quantity, invoiced_before, order_unit_price, policy_version"
)
_STORED_VALUES = """r.id, r.status,
        CASE WHEN r.po_line_id IS NULL THEN '' WHEN r.two_way THEN 'two_way'
            ELSE 'three_way' END,
        CASE WHEN r.po_line_id IS NOT NULL AND r.price_gap > 0 THEN r.price_gap ELSE 0 END,
        CASE
            WHEN r.status = 'pending' THEN 0
            WHEN r.status = 'unmatched' THEN r.quantity
            WHEN r.quantity_status = 'quantity_variance' THEN r.over_order
            WHEN r.quantity_status = 'not_received' THEN r.short_receipt
            ELSE 0 END,
        r.order_line_no, r.ordered, r.received, r.already, r.ordered_price, %(policy)s"""
MATCH_SQL = _MATCH_TEMPLATE.format(
    tolerance_table=tolerance_table("tolerances"),
    stored_columns=_STORED_COLUMNS,
    stored_values=_STORED_VALUES,
    price_within=within_sql("price_gap", "round(ordered_price * quantity, 2)", "p"),
    over_within=within_sql("over_order", "ordered", "q"),
    short_within=within_sql("short_receipt", "ordered", "q"),
    header_within=within_sql("h.invoiced - h.expected", "h.expected", "tol.h"),
)


def match_batch(section: dict[str, Any], policy: str) -> dict[Any, list[Finding]]:
    """Match the remembered batch: every line's result is written, and the findings are
    returned per invoice, in line order (the header finding last)."""
    link_order_lines()
    findings: dict[Any, list[Finding]] = {}
    with connection.cursor() as cursor:
        # the statement sorts the batch's lines (running totals per order line) in memory;
        # compiling it to machine code (JIT) costs more than it saves at these sizes
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        params: dict[str, Any] = {"tolerances": Jsonb(tolerance_rows(section)), "policy": policy}
        cursor.execute(MATCH_SQL, params)
        rows = cursor.fetchall()
    rows.sort(key=lambda r: (r[1] is None, r[2] or 0))
    for row in rows:
        findings.setdefault(row[0], []).extend(_findings(row))
    return findings


def _findings(row: tuple[Any, ...]) -> list[Finding]:
    (_invoice, line_id, line_no, status, price_status, quantity_status, quantity, price,
     ordered_price, net_amount, price_gap, ordered_left, received_left, over_order,
     short_receipt, expected, invoiced, currency) = row  # fmt: skip
    if line_id is None:
        gap = invoiced - expected
        return [
            Finding(
                "price_variance",
                None,
                _("The invoice is %(gap)s above the order value of its lines (%(expected)s).")
                % {"gap": amount_text(gap, currency), "expected": amount_text(expected, currency)},
                _money(gap),
                {"expected": str(expected), "invoiced": str(invoiced), "header": True},
            )
        ]
    if status == InvoiceLine.Match.UNMATCHED:
        return [
            Finding(
                "quantity_variance",
                line_id,
                _("Line %(n)s is not on the order.") % {"n": line_no},
                _money(net_amount),
                {"line_no": line_no},
            )
        ]
    found = []
    if price_status == "variance":
        found.append(
            Finding(
                "price_variance",
                line_id,
                _("Line %(n)s: %(invoiced)s invoiced, %(ordered)s ordered (%(over)s over).")
                % {
                    "n": line_no,
                    "invoiced": unit_price_text(price, currency),
                    "ordered": unit_price_text(ordered_price, currency),
                    "over": amount_text(price_gap, currency),
                },
                price_gap,
                {
                    "line_no": line_no,
                    "invoiced": str(price),
                    "ordered": str(ordered_price),
                    "gap": str(price_gap),
                },
            )
        )
    if quantity_status == "quantity_variance":
        found.append(
            Finding(
                "quantity_variance",
                line_id,
                _("Line %(n)s: %(invoiced)s invoiced, %(left)s left on the order.")
                % {"n": line_no, "invoiced": _qty(quantity), "left": _qty(max(ordered_left, ZERO))},
                _money(over_order * ordered_price),
                {
                    "line_no": line_no,
                    "invoiced": str(quantity),
                    "open_on_order": str(ordered_left),
                    "gap": str(over_order),
                },
            )
        )
    elif quantity_status == "not_received":
        found.append(
            Finding(
                "not_received",
                line_id,
                _("Line %(n)s: %(invoiced)s invoiced, %(left)s received and not yet invoiced.")
                % {
                    "n": line_no,
                    "invoiced": _qty(quantity),
                    "left": _qty(max(received_left, ZERO)),
                },
                _money(short_receipt * ordered_price),
                {
                    "line_no": line_no,
                    "invoiced": str(quantity),
                    "received_open": str(received_left),
                },
            )
        )
    return found
