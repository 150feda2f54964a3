"""ERP out, `invoices/export/`: approved invoices with their posting data, for ERPs that pull
(what ERPs send in is `erp.py`; the posting data is `apps.invoices.posting`, which the
`invoice.approved` event carries too).

JSON (the API's paginated list, each row `{id, number, status, approved_at, posted, posting}`)
or CSV (one row per invoice line, the invoice's header repeated; the layout is in
docs/integrations.md). Filters: `status` (default `approved`; `paid` too), `posted`
(`true`/`false`), `from`/`to` (approval date, inclusive), `legal_entity` (a code; a key
limited to legal entities exports only theirs: apps.controls.entities). Both are paged the same way
(`page`, `page_size` up to 200; CSV says the total and the next page in `X-Total-Count` and
`Link`), so nothing is cut off silently."""

from __future__ import annotations

import io
from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.pagination import Pagination
from apps.api.query import Filters, QueryParam
from apps.controls.csvfiles import CsvWriter
from apps.controls.entities import within_entities
from apps.controls.guards import require
from apps.invoices.models import Invoice
from apps.invoices.posting import posting_of

EXPORTABLE = (Invoice.Status.APPROVED, Invoice.Status.PAID)
EXPORT_READERS = (
    "accounts.process_invoices",
    "accounts.release_payments",
    "accounts.view_audit",
)
CSV_COLUMNS = [
    "invoice_id", "number", "kind", "status", "approved_at", "erp_document_number",
    "invoice_date", "due_date", "legal_entity", "supplier_id", "supplier_name",
    "supplier_tax_id", "supplier_erp_reference", "purchase_order", "cost_center",
    "spend_category", "currency", "tax_total", "total", "payable", "line_no", "description",
    "quantity", "unit_price", "net_amount", "tax_rate", "order_line_no",
]  # fmt: skip


EXPORT_FILTERS = Filters(
    QueryParam.choice("status", EXPORTABLE, "approved (the default) or paid"),
    QueryParam("posted", "boolean", description="Posted to the ERP or not."),
    QueryParam("from", "date", description="Approved on or after this day."),
    QueryParam("to", "date", description="Approved on or before this day."),
    QueryParam("legal_entity", description="A legal entity's code."),
    QueryParam.choice("format", ("json", "csv")),
)


def export_queryset(filters: dict[str, Any], actor: Any) -> QuerySet[Invoice]:
    """`filters` as EXPORT_FILTERS read them; of the actor's legal entities (another entity
    named in `legal_entity` finds none, as an unknown code does)."""
    invoices = within_entities(
        Invoice.objects.filter(status=filters["status"] or Invoice.Status.APPROVED),
        actor,
        field="purchase_order__legal_entity",
    )
    if filters["legal_entity"]:
        invoices = invoices.filter(
            purchase_order__legal_entity__code=filters["legal_entity"].upper()
        )
    if filters["posted"] is not None:
        invoices = invoices.filter(posted_at__isnull=not filters["posted"])
    if filters["from"]:
        invoices = invoices.filter(approved_at__date__gte=filters["from"])
    if filters["to"]:
        invoices = invoices.filter(approved_at__date__lte=filters["to"])
    return invoices.order_by("-approved_at", "-pk")


def export_rows(invoices: list[Invoice], postings: dict[str, dict[str, Any]]) -> list[dict]:
    return [
        {
            "id": str(invoice.pk),
            "number": invoice.invoice_number,
            "status": invoice.status,
            "approved_at": invoice.approved_at.isoformat() if invoice.approved_at else None,
            "posted": invoice.posted_at is not None,
            "erp_document_number": invoice.erp_document_number,
            "posting": postings[str(invoice.pk)],
        }
        for invoice in invoices
    ]


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        out = io.StringIO()
        if isinstance(data, dict) and "code" in data:  # a refusal: the usual error body
            out.write(f"{data['code']}: {data.get('detail', '')}\n")
            return out.getvalue().encode()
        writer = CsvWriter(out)
        writer.writerow(CSV_COLUMNS)
        for row in data.get("results", []):
            p = row["posting"]
            head = [
                row["id"], row["number"], p["kind"], row["status"], row["approved_at"],
                row["erp_document_number"], p["invoice_date"], p["due_date"], p["legal_entity"],
                p["supplier"]["id"], p["supplier"]["name"], p["supplier"]["tax_id"],
                p["supplier"]["erp_reference"], p["purchase_order"], p["cost_center"],
                p["spend_category"], p["currency"], p["tax_total"], p["total"], p["payable"],
            ]  # fmt: skip
            for line in p["lines"] or [{}]:
                writer.writerow(
                    head
                    + [line.get(k) for k in ("line_no", "description", "quantity", "unit_price")]
                    + [line.get(k) for k in ("net_amount", "tax_rate", "order_line_no")]
                )
        return out.getvalue().encode()


class InvoiceExportView(GenericAPIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=EXPORT_FILTERS.parameters(),
        responses={(200, "application/json"): dict, (200, "text/csv"): str},
    )
    def get(self, request: Request) -> Response:
        """Approved (or paid) invoices with what an ERP needs to post them."""
        require(current_user(request), *EXPORT_READERS)
        found = export_queryset(EXPORT_FILTERS.read(request.query_params), current_user(request))
        paginator = cast(Pagination, self.paginator)
        page = paginator.paginate_queryset(found, request, self)
        invoices = list(page or [])
        rows = export_rows(invoices, posting_of([invoice.pk for invoice in invoices]))
        response = paginator.get_paginated_response(rows)
        if request.accepted_renderer.format == "csv":
            response["X-Total-Count"] = str(paginator.page.paginator.count if paginator.page else 0)
            following = paginator.get_next_link()
            if following:
                response["Link"] = f'<{following}>; rel="next"'
            response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
        return response
