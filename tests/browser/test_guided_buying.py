"""In the browser: a requester types "toner", picks the contracted catalog item, submits, and
the requisition shows it is on contract (its contract, its contracted price)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from .test_requisition_flow import sign_in

pytestmark = pytest.mark.browser


def test_requester_buys_toner_from_the_contracted_catalog(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.contracts.services.catalog import catalog_import
    from apps.contracts.services.register import contract_activate, contract_create
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context

    buyer = committed_org["buyer"]
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]), transaction.atomic():
        supplier = Supplier.objects.create(
            name="Contoso Office Supply", country="US", status="approved", screening="clear"
        )
        today = timezone.localdate()
        contract = contract_create(
            actor=buyer,
            data={
                "number": "CT-OFFICE",
                "title": "Office supplies",
                "supplier": supplier.pk,
                "legal_entities": ["US01"],
                "spend_categories": ["FAC"],
                "starts_on": today - timedelta(days=5),
                "ends_on": today + timedelta(days=200),
                "value_cap": "20000",
                "currency": "USD",
            },
        )
        contract_activate(actor=buyer, contract_id=contract.pk)
        csv = (
            "contract,sku,description,unit,unit_price,currency,spend_category\n"
            "CT-OFFICE,TN-1,Black toner cartridge,each,62.00,USD,FAC\n"
            "CT-OFFICE,PA-1,Copy paper A4,ream,4.20,USD,FAC\n"
        )
        catalog_import(actor=buyer, upload=SimpleUploadedFile("c.csv", csv.encode()))
    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(base + "/requisitions/new/")
    page.fill("#id_title", "Toner for the print room")
    page.get_by_test_id("catalog-search").fill("toner")
    item = page.get_by_test_id("catalog-item").filter(has_text="Black toner cartridge")
    item.click()
    page.get_by_test_id("catalog-line").wait_for()
    # the swapped-in form is live once htmx has processed it (the live totals' trigger bound)
    page.wait_for_function(
        "() => { const live = document.querySelector('[hx-post=\"/requisitions/new/totals/\"]');"
        " return !!(live && live['htmx-internal-data'] && live['htmx-internal-data'].initHash)"
        " && !document.querySelector('.htmx-settling, .htmx-swapping'); }"
    )
    assert page.input_value("#id_spend_category") == "FAC"
    assert "CT-OFFICE" in page.locator("#id_contract option:checked").inner_text()
    # the contracted price in the currency's minor units (not the column's 62.0000)
    assert page.input_value("input[name=line_unit_price]") == "62.00"
    page.fill("input[name=line_quantity]", "10")
    page.get_by_test_id("total").filter(has_text="620.00").wait_for()
    page.get_by_test_id("submit-requisition").click()
    page.get_by_test_id("status").filter(has_text="Ordered").wait_for()
    assert page.get_by_test_id("contract").inner_text().startswith("CT-OFFICE")
    assert page.get_by_test_id("on-contract").inner_text() == "on contract"
    assert "62.00" in page.content() and "Black toner cartridge" in page.content()
