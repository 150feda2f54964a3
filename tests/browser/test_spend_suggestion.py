"""In the browser: a requester types what they need and the spend-coding assistant's
suggestion appears beside the form as they type; "Use this" fills the fields in, and the saved
requisition records that the advice was followed (issue 33)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in

pytestmark = pytest.mark.browser


def test_the_suggestion_appears_as_the_requester_types_and_fills_the_form(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.assistants.models import Advice
    from apps.procurement.models import Requisition
    from apps.tenancy.context import tenant_context

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(base + "/requisitions/new/")
    page.select_option("#id_spend_category", "MKT")  # not what the words say
    page.locator("#id_title").press_sequentially("3 docking stations for new hires")
    suggested = page.get_by_test_id("suggested-category")
    suggested.filter(has_text="IT-HW").wait_for()
    assert "docking" in suggested.inner_text()
    page.get_by_test_id("use-suggestion").click()
    page.get_by_test_id("suggested-category").filter(has_text="filled in").wait_for()
    assert page.locator("#id_spend_category").input_value() == "IT-HW"
    page.fill("input[name=line_description]", "USB-C docking station")
    page.fill("input[name=line_quantity]", "3")
    page.fill("input[name=line_unit_price]", "180")
    page.get_by_test_id("total").filter(has_text="540.00").wait_for()
    page.get_by_test_id("submit-requisition").click()
    page.get_by_test_id("status").filter(has_text="Approved").wait_for()  # small: the policy
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        requisition = Requisition.objects.get(title="3 docking stations for new hires")
        assert requisition.spend_category.code == "IT-HW"
        advice = Advice.objects.filter(assistant="spend_coding").order_by("-shown_at").first()
        assert advice is not None and advice.status == Advice.Status.FOLLOWED
