"""In the browser: a requester creates and submits, the manager approves, the buyer is led from
home to the approved requisition, chooses its supplier and the PO is issued."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(base + "/")


def test_requester_to_approver_to_buyer(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        Supplier.objects.create(
            name="Northwind Office Supply", country="US", status="approved", screening="clear"
        )
    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(base + "/requisitions/new/")
    page.fill("#id_title", "Standing desks")
    page.select_option("#id_spend_category", "FAC")
    page.fill("input[name=line_description]", "Standing desk")
    page.fill("input[name=line_quantity]", "4")
    page.fill("input[name=line_unit_price]", "1250")
    page.get_by_test_id("total").filter(
        has_text="5,000.00"
    ).wait_for()  # computed by the server, live
    page.get_by_test_id("submit-requisition").click()
    page.get_by_test_id("status").filter(has_text="Pending approval").wait_for()
    assert committed_org["manager"].email in page.get_by_test_id("route").inner_text()
    page.context.clear_cookies()

    sign_in(page, base, committed_org["manager"].email)
    page.goto(base + "/tasks/")
    row = page.get_by_test_id("task-row").filter(has_text="Standing desks")
    row.get_by_test_id("approve").click()
    page.get_by_test_id("task-status").filter(has_text="Approved").wait_for()
    page.context.clear_cookies()

    sign_in(page, base, committed_org["buyer"].email)
    # home → the approved requisitions waiting for a supplier → the requisition
    page.locator("[data-work=to_source] h2 a").click()
    page.get_by_role("row").filter(has_text="Standing desks").get_by_role("link").first.click()
    page.get_by_test_id("awaits-supplier").wait_for()
    page.select_option("#source-supplier", label="Northwind Office Supply")
    page.get_by_test_id("source").click()
    page.get_by_test_id("status").filter(has_text="Ordered").wait_for()
    assert "issued to Northwind Office Supply" in page.content()
    page.get_by_test_id("po-link").click()
    page.wait_for_url("**/purchase-orders/*/")
    page.goto(base + "/purchase-orders/")
    orders = page.get_by_test_id("purchase-orders").inner_text()
    assert "Standing desks" in orders and "PO-US01-" in orders and "5,000.00 USD" in orders
