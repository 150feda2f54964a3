"""In the browser: an AP clerk opens a price-variance exception, sees it, and resolves it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_ap_clerk_resolves_a_price_variance(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from django.db import transaction

    from apps.accounts.services import user_ensure
    from apps.invoices.models import Invoice
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from apps.procurement.services.receiving import goods_receipt_post
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context
    from tests.invoices.conftest import invoice_body, make_order, validated

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant), transaction.atomic():
        clerk = user_ensure(email="ap@x.test", password=PASSWORD, roles=["ap_clerk"])
        receiver = user_ensure(email="gr@x.test", password=PASSWORD, roles=["receiver"])
        supplier = Supplier.objects.create(
            name="Contoso GmbH", country="DE", tax_id="DE136695976", status="approved"
        )
        order = make_order(
            SimpleNamespace(
                org=SimpleNamespace(requester=committed_org["requester"]), supplier=supplier
            ),
            [("Laptop stand", "10", "45.00")],
        )  # type: ignore[arg-type]
        goods_receipt_post(
            actor=receiver,
            order_id=order.pk,
            lines=[{"po_line": order.lines.get().pk, "quantity": "10"}],
        )
        body = validated(invoice_body(order, prices={1: "47.00"}, number="PV-900"))
        invoice = invoice_create(actor=clerk, data=body)
        invoices_match(invoice_ids=[invoice.pk])

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, clerk.email)
    page.goto(base + "/exceptions/")
    page.get_by_test_id("exceptions").get_by_role("link", name="Price variance").click()
    assert page.get_by_test_id("exception-code").inner_text() == "Price variance"
    assert "20.00" in page.get_by_test_id("variance").inner_text()
    highlighted = page.get_by_test_id("variance-line").inner_text()
    assert "Laptop stand" in highlighted and "47.00" in highlighted
    assert "45.00" in page.get_by_test_id("side-by-side").inner_text()
    page.get_by_test_id("resolution").select_option("accept_variance")
    page.get_by_test_id("resolve-comment").fill("Freight surcharge agreed by phone")
    page.get_by_test_id("resolve-form").get_by_test_id("apply").click()
    dialog = page.get_by_test_id("resolve-form").locator("dialog[data-confirm-dialog]")
    assert "Accept the variance" in dialog.inner_text()  # the option chosen, named
    dialog.locator("[data-confirm-yes]").click()
    page.get_by_test_id("exception-status").filter(has_text="Resolved").wait_for()
    with django_db_blocker.unblock(), tenant_context(tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.APPROVED
