"""What an ERP needs to post an approved invoice: legal entity, supplier (with tax id and its
reference in the ERP), cost center, spend category, the order, dates, net and tax by rate,
totals and lines. One statement for a whole set of invoices, used by the `invoice.approved`
event and by the ERP export (`invoices/export/`, apps.integrations.api.export) alike
(docs/integrations.md).

PostgreSQL writes the JSON itself: a matched batch approves thousands of invoices at once, and
building a model per invoice and per line in Python made their posting data cost ten times the
matching. A matched batch leaves it null in its events; the dispatcher fills it in when it
takes them (apps.events.completion, registered by this app), so matching writes no posting
data, and bench/matching.py times the filling beside matching. The texts are those the Python types
gave: amounts as stored (`450.00`), quantities and prices without trailing zeros (`10`, `45.5`),
dates as ISO, and a tax the invoice does not state rounded to the cent half to even, as
`Decimal.quantize` does."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

_POSTING_SQL = """
WITH lines AS (
    -- a row per line made JSON whole (faster than naming each field to json_build_object)
    SELECT il.invoice_id, json_agg((SELECT line FROM (SELECT
            il.line_no,
            il.description,
            trim_scale(il.quantity)::text AS quantity,
            trim_scale(il.unit_price)::text AS unit_price,
            il.net_amount::text AS net_amount,
            il.tax_rate::text AS tax_rate,
            pol.line_no AS order_line_no
        ) line) ORDER BY il.line_no) AS lines
    FROM invoices_invoiceline il
        LEFT JOIN procurement_purchaseorderline pol ON pol.id = il.po_line_id
    WHERE il.invoice_id = ANY(%(ids)s::uuid[])
    GROUP BY il.invoice_id
), by_rate AS (
    SELECT il.invoice_id, il.tax_rate AS rate, sum(il.net_amount) AS net
    FROM invoices_invoiceline il
    WHERE il.invoice_id = ANY(%(ids)s::uuid[])
    GROUP BY il.invoice_id, il.tax_rate
), stated AS (
    -- the tax the invoice states for a rate (its last entry for the rate)
    SELECT DISTINCT ON (i.id, (e.row ->> 'rate')::numeric)
        i.id AS invoice_id, (e.row ->> 'rate')::numeric AS rate, (e.row ->> 'tax')::numeric AS tax
    FROM invoices_invoice i
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(i.tax_breakdown) = 'array'
            THEN i.tax_breakdown ELSE '[]' END) WITH ORDINALITY AS e(row, n)
    WHERE i.id = ANY(%(ids)s::uuid[])
        AND e.row ->> 'rate' IS NOT NULL AND e.row ->> 'tax' IS NOT NULL
    ORDER BY i.id, (e.row ->> 'rate')::numeric, e.n DESC
), taxed AS (
    -- else net x rate
    SELECT r.invoice_id, r.rate, r.net, coalesce(s.tax, r.net * r.rate / 100) AS tax
    FROM by_rate r
        LEFT JOIN stated s ON s.invoice_id = r.invoice_id AND s.rate = r.rate
), rates AS (
    SELECT t.invoice_id, json_agg(json_build_object(
            'rate', t.rate::text,
            'net', round(t.net, 2)::text,
            -- to the cent, half to even (round() takes halves away from zero)
            'tax', (CASE WHEN abs(t.tax * 100 - trunc(t.tax * 100)) = 0.5
                    AND mod(trunc(t.tax * 100), 2) = 0 THEN round(trunc(t.tax * 100) / 100, 2)
                ELSE round(t.tax, 2) END)::text
        ) ORDER BY t.rate) AS rates
    FROM taxed t
    GROUP BY t.invoice_id
)
SELECT i.id::text, json_build_object(
    'kind', i.kind,
    'invoice_date', to_char(i.invoice_date, 'YYYY-MM-DD'),
    'due_date', to_char(i.due_date, 'YYYY-MM-DD'),
    'legal_entity', le.code,
    'supplier', json_build_object(
        'id', s.id::text, 'name', s.name, 'tax_id', s.tax_id, 'erp_reference', s.erp_reference
    ),
    'purchase_order', po.number,
    'cost_center', cc.code,
    'spend_category', sc.code,
    'currency', i.currency,
    'net_by_tax_rate', coalesce(rates.rates, '[]'),
    'tax_total', i.tax_total::text,
    'total', i.total::text,
    'payable', i.payable::text,
    'lines', coalesce(lines.lines, '[]')
)::text
FROM invoices_invoice i
    JOIN suppliers_supplier s ON s.id = i.supplier_id
    LEFT JOIN procurement_purchaseorder po ON po.id = i.purchase_order_id
    LEFT JOIN organization_legalentity le ON le.id = po.legal_entity_id
    LEFT JOIN procurement_requisition rq ON rq.id = po.requisition_id
    LEFT JOIN organization_costcenter cc ON cc.id = rq.cost_center_id
    LEFT JOIN organization_spendcategory sc ON sc.id = rq.spend_category_id
    LEFT JOIN lines ON lines.invoice_id = i.id
    LEFT JOIN rates ON rates.invoice_id = i.id
WHERE i.id = ANY(%(ids)s::uuid[])
"""


def posting_json(invoice_ids: list[Any]) -> dict[str, str]:
    """Each invoice's posting data as the JSON text PostgreSQL made, by invoice id (as text):
    the dispatcher writes it into an `invoice.approved` event's payload as it is, never parsed
    (apps.events.completion)."""
    if not invoice_ids:
        return {}
    with connection.cursor() as cursor:
        # the ids as one array parameter, however many there are
        cursor.execute(_POSTING_SQL, {"ids": [str(i) for i in invoice_ids]})
        return dict(cursor.fetchall())


def posting_query() -> str:
    """The statement, for the dispatcher's filling of `invoice.approved` events
    (apps.events.completion): (invoice id as text, posting JSON) for the ids in `%(ids)s`."""
    return _POSTING_SQL


def posting_of(invoice_ids: list[Any]) -> dict[str, dict[str, Any]]:
    """Each invoice's posting data, by invoice id (as text); JSON-ready (decimals as strings)."""
    return {key: json.loads(text) for key, text in posting_json(invoice_ids).items()}
