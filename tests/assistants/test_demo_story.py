"""Issue 33's "done when", on the seeded demo, as its people would try it: the requester's
docking stations, the supplier's plain PDF and photo, and the supplier asking where its
payment is (the AP clerk's price variance is tests/assistants/test_demo_advice.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from apps.accounts.models import User
from apps.invoices.models import Invoice
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
SAMPLES = ROOT / "data" / "ai" / "samples"


@pytest.fixture
def demo(demo_data: None) -> Client:
    return Client.objects.get(slug="tenanta")


def person(tenant: Client, role: str) -> User:
    with tenant_context(tenant):
        return User.objects.get(email=f"{role}@tenanta.example")


def test_docking_stations_are_it_hardware_for_it(demo: Client, api_for: Any) -> None:
    api = api_for(demo, person(demo, "requester"))
    body = api.post(
        "/api/v1/requisitions/suggest/",
        {"title": "3 docking stations for new hires", "lines": [{"description": "USB-C dock"}]},
        format="json",
    ).json()
    assert body["spend_category"]["code"] == "IT-HW" and body["cost_center"]["code"] == "CC-100"
    assert "docking" in body["reasons"]["spend_category"]
    assert body["model"].startswith("spend_coding:v")  # trained on the demo's history


@pytest.mark.parametrize("sample", ["contoso-invoice.pdf", "contoso-invoice-photo.png"])
def test_the_supplier_sample_reads_onto_the_demo_order(
    demo: Client, api_for: Any, sample: str
) -> None:
    api = api_for(demo, person(demo, "supplier"))
    with tenant_context(demo):
        invoices = Invoice.objects.count()
    with open(SAMPLES / sample, "rb") as file:
        body = api.post("/api/v1/invoices/extract/", {"file": file}, format="multipart").json()
    fields = body["fields"]
    assert (fields["invoice_number"], fields["po_number"], fields["total"]) == (
        "CS-2026-0417",
        "PO-US01-000027",
        "1592.16",
    )
    assert fields["purchase_order_id"] and fields["supplier"]["matched_name"] == (
        "Contoso Office Supply"
    )
    assert body["findings"] == []
    with tenant_context(demo):
        assert Invoice.objects.count() == invoices  # reading creates nothing


def test_the_supplier_asks_where_its_payment_is(demo: Client) -> None:
    from django.test import Client as BrowserClient

    from tests.conftest import host_of

    page = BrowserClient(HTTP_HOST=host_of(demo))
    with tenant_context(demo):
        page.force_login(person(demo, "supplier"))
    answer = page.post(
        "/supplier-portal/questions/", {"text": "Where is my payment for INV-7006?"}, follow=True
    ).content.decode()
    assert re.search(r"We expect to pay it on \d{4}-\d{2}-\d{2}\.", answer), answer
