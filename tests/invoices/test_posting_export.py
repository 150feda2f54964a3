"""What an ERP needs to post an approved invoice: carried by `invoice.approved` and exported
on demand (`invoices/export/`, JSON and CSV), the same data both ways."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.utils import timezone

from apps.events.models import OutboxEvent
from apps.invoices.models import Invoice

pytestmark = pytest.mark.django_db


def _approved(
    aporg: Any, receive: Any, number: str, quantity: str = "10", days_ago: int = 0
) -> Invoice:
    """Matched and approved touchlessly (amounts and dates differ so that two are not taken
    for duplicates)."""
    from apps.suppliers.models import Supplier
    from tests.invoices.conftest import approved_invoice

    Supplier.objects.filter(pk=aporg.supplier.pk).update(erp_reference="V-10042")
    return approved_invoice(aporg, receive, number, quantity=quantity)


def _approval_event(invoice: Invoice) -> OutboxEvent:
    """The invoice's `invoice.approved` once the dispatcher took it: a matched batch leaves
    the posting data to it (apps.events.completion)."""
    from apps.integrations.tasks import dispatch_outbox

    event = OutboxEvent.objects.get(event_type="invoice.approved", subject_id=str(invoice.pk))
    assert event.payload["posting"] is None and event.dispatched_at is None
    dispatch_outbox()
    return OutboxEvent.objects.get(pk=event.pk)


def test_the_approval_event_carries_the_posting_data(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = _approved(aporg, receive, "POST-1")
        event = _approval_event(invoice)
        order = invoice.purchase_order
    posting = event.payload["posting"]
    assert posting["legal_entity"] == "DE01" and posting["purchase_order"] == order.number
    assert posting["supplier"] == {
        "id": str(aporg.supplier.pk),
        "name": "Contoso GmbH",
        "tax_id": "DE136695976",
        "erp_reference": "V-10042",
    }
    assert posting["cost_center"] == "CC-100" and posting["spend_category"] == "IT-HW"
    assert posting["currency"] == "EUR" and posting["total"] == str(invoice.total)
    assert posting["invoice_date"] == invoice.invoice_date.isoformat()
    (line,) = posting["lines"]
    assert line["description"] == "Laptop stand" and line["quantity"] == "10"
    assert line["order_line_no"] == 1 and line["net_amount"] == "450.00"
    rates = posting["net_by_tax_rate"]
    assert sum(float(r["net"]) for r in rates) == 450.0
    assert sum(float(r["tax"]) for r in rates) == float(posting["tax_total"])


def test_export_json_and_csv_with_filters(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        first = _approved(aporg, receive, "POST-2")
        second = _approved(aporg, receive, "ZX-9183", quantity="7", days_ago=9)
        Invoice.objects.filter(pk=first.pk).update(
            erp_document_number="FI-5100000123", posted_at=timezone.now()
        )
        approval = _approval_event(second).payload["posting"]
    api = api_for(aporg.tenant, aporg.clerk)
    listed = api.get("/api/v1/invoices/export/").json()
    assert listed["count"] == 2
    assert {row["number"] for row in listed["results"]} == {"POST-2", "ZX-9183"}
    unposted = api.get("/api/v1/invoices/export/?posted=false").json()["results"]
    assert [row["number"] for row in unposted] == ["ZX-9183"]
    assert unposted[0]["posting"] == approval  # the same data as the event carried
    posted = api.get("/api/v1/invoices/export/?posted=true").json()["results"]
    assert posted[0]["erp_document_number"] == "FI-5100000123" and posted[0]["posted"] is True
    today = timezone.localdate().isoformat()
    assert api.get(f"/api/v1/invoices/export/?from={today}&to={today}").json()["count"] == 2
    assert api.get("/api/v1/invoices/export/?to=2020-01-01").json()["count"] == 0

    as_csv = api.get("/api/v1/invoices/export/?format=csv&posted=false&page_size=1")
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert as_csv["X-Total-Count"] == "1"
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert len(rows) == 1 and rows[0]["number"] == "ZX-9183"
    assert rows[0]["supplier_erp_reference"] == "V-10042" and rows[0]["line_no"] == "1"
    assert rows[0]["purchase_order"] == approval["purchase_order"]
    paged = api.get("/api/v1/invoices/export/?format=csv&page_size=1")
    assert paged["X-Total-Count"] == "2" and 'rel="next"' in paged["Link"]

    bad = api.get("/api/v1/invoices/export/?status=exception&posted=maybe&from=yesterday")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status", "posted", "from"}


def test_only_those_who_post_or_audit_export(aporg: Any, api_for: Any) -> None:
    for person in (aporg.org.requester, aporg.org.buyer, aporg.receiver):
        refused = api_for(aporg.tenant, person).get("/api/v1/invoices/export/")
        assert refused.status_code == 403
    for person in (aporg.clerk, aporg.apmanager):
        assert api_for(aporg.tenant, person).get("/api/v1/invoices/export/").status_code == 200


def test_the_posting_texts_are_those_of_the_amounts(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """PostgreSQL writes the posting data: quantities and prices without trailing zeros,
    amounts as stored, the tax the invoice states for a rate (its last entry), else net x
    rate to the cent half to even (0.025 → 0.02, as Decimal.quantize), rates in order."""
    from apps.invoices.models import InvoiceLine
    from apps.invoices.posting import posting_json, posting_of

    with in_tenant(aporg.tenant):
        invoice = _approved(aporg, receive, "POST-3", quantity="2.5")
        InvoiceLine.objects.filter(invoice=invoice).update(tax_rate="19.00")
        InvoiceLine.objects.create(
            invoice=invoice,
            line_no=2,
            description='Cable "flat", 2 m',
            quantity="1.000",
            unit_price="0.2500",
            net_amount="0.25",
            tax_rate="10.00",
        )
        Invoice.objects.filter(pk=invoice.pk).update(
            tax_breakdown=[{"rate": "19", "tax": "1.00"}, {"rate": 19.0, "tax": "21.365"}]
        )
        posting = posting_of([invoice.pk])[str(invoice.pk)]
        as_text = posting_json([str(invoice.pk)])[str(invoice.pk)]
    assert posting["net_by_tax_rate"] == [
        {"rate": "10.00", "net": "0.25", "tax": "0.02"},
        {"rate": "19.00", "net": "112.50", "tax": "21.36"},
    ]
    assert posting["lines"] == [
        {
            "line_no": 1,
            "description": "Laptop stand",
            "quantity": "2.5",
            "unit_price": "45",
            "net_amount": "112.50",
            "tax_rate": "19.00",
            "order_line_no": 1,
        },
        {
            "line_no": 2,
            "description": 'Cable "flat", 2 m',
            "quantity": "1",
            "unit_price": "0.25",
            "net_amount": "0.25",
            "tax_rate": "10.00",
            "order_line_no": None,
        },
    ]
    assert posting["due_date"] is None or len(posting["due_date"]) == 10
    assert json.loads(as_text) == posting
