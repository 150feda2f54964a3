"""In the browser, in German: a requester switches to Deutsch with the menu at the foot of the
page, types a German price ("1.234,56") and submits; the approver's inbox and the AP clerk's
exception queue read in German, amounts as 2.469,12 EUR. The German words come from the
shipped catalog, not from this file."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from tests.browser.test_requisition_flow import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def german(text: str) -> str:
    with translation.override("de"):
        words = _(text)
    assert words != text, f"the German catalog has no words for {text!r}"
    return words


def test_each_role_reads_german_in_german(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from django.db import transaction

    from apps.accounts.models import User
    from apps.accounts.services import user_ensure
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from apps.procurement.services.receiving import goods_receipt_post
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context
    from tests.invoices.conftest import invoice_body, make_order, validated

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant), transaction.atomic():
        clerk = user_ensure(email="kreditoren@x.test", password=PASSWORD, roles=["ap_clerk"])
        receiver = user_ensure(email="wareneingang@x.test", password=PASSWORD, roles=["receiver"])
        User.objects.filter(pk__in=[clerk.pk, committed_org["manager"].pk]).update(language="de")
        supplier = Supplier.objects.create(
            name="Contoso GmbH", country="DE", tax_id="DE136695976", status="approved"
        )
        order = make_order(
            SimpleNamespace(
                org=SimpleNamespace(requester=committed_org["requester"]), supplier=supplier
            ),
            [("Monitor", "10", "1200.00")],
        )  # type: ignore[arg-type]
        goods_receipt_post(
            actor=receiver,
            order_id=order.pk,
            lines=[{"po_line": order.lines.get().pk, "quantity": "10"}],
        )
        body = validated(invoice_body(order, prices={1: "1234.56"}, number="RE-4711"))
        invoices_match(invoice_ids=[invoice_create(actor=clerk, data=body).pk])

    base = live_server_url.format(host=committed_org["host"])
    # the requester reads English until they choose Deutsch at the foot of the page
    sign_in(page, base, committed_org["requester"].email)
    page.goto(base + "/requisitions/new/")
    assert page.locator("html").get_attribute("lang") == "en"
    menu = page.get_by_test_id("language-menu")
    menu.locator("select").select_option("de")
    with page.expect_navigation():
        menu.locator("button").click()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == german("New requisition")
    page.fill("#id_title", "Monitore für das Controlling")
    page.select_option("#id_cost_center", "CC-300")
    page.select_option("#id_legal_entity", "DE01")
    page.fill("#id_currency", "EUR")
    page.fill("input[name=line_description]", "Monitor 27 Zoll")
    page.fill("input[name=line_quantity]", "2")
    page.fill("input[name=line_unit_price]", "1.234,56")
    page.get_by_test_id("total").filter(has_text="2.469,12 EUR").wait_for()  # the server's
    page.get_by_test_id("submit-requisition").click()
    page.get_by_test_id("status").filter(has_text=german("Pending approval")).wait_for()
    assert "2.469,12 EUR" in page.content()
    page.context.clear_cookies()

    # the approver reads German (their own choice): the inbox and its amounts
    sign_in(page, base, committed_org["manager"].email)
    page.goto(base + "/tasks/")
    assert page.get_by_role("heading", level=1).inner_text() == german("Approval tasks")
    row = page.get_by_test_id("task-row").filter(has_text="Monitore für das Controlling")
    assert "2.469,12 EUR" in row.inner_text()
    assert row.get_by_test_id("approve").inner_text().strip() == german("Approve")
    page.context.clear_cookies()

    # the AP clerk's exception queue
    sign_in(page, base, clerk.email)
    page.goto(base + "/exceptions/")
    assert page.get_by_role("heading", level=1).inner_text() == german("Invoice exceptions")
    queue = page.get_by_test_id("exceptions").inner_text()
    assert german("Price variance") in queue and "RE-4711" in queue
    assert "14.691,26 EUR" in queue  # 10 x 1.234,56 plus 19 % tax
