"""An approver decides on a phone: at 375 px the manager finds the request on the home desk,
reads the requisition, goes to its task and approves it with a comment — and no page on the
way is wider than the screen or hides the decision off to the side."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.gallery import measure
from tests.browser.test_requisition_flow import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def test_an_approver_decides_a_task_on_a_375_pixel_screen(
    page: Any, live_server_url: str, committed_org: dict[str, Any]
) -> None:
    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(base + "/requisitions/new/")
    page.fill("#id_title", "Ergonomic chairs")
    page.select_option("#id_spend_category", "FAC")
    page.fill("input[name=line_description]", "Ergonomic chair")
    page.fill("input[name=line_quantity]", "4")
    page.fill("input[name=line_unit_price]", "1250")
    page.get_by_test_id("total").filter(has_text="5,000.00").wait_for()
    page.get_by_test_id("submit-requisition").click()
    page.get_by_test_id("status").filter(has_text="Pending approval").wait_for()
    number = page.locator("h1").inner_text()
    page.context.clear_cookies()

    page.set_viewport_size(PHONE)
    sign_in(page, base, committed_org["manager"].email)
    desk = page.locator("[data-work=tasks]")
    assert "5,000.00 USD" in desk.inner_text()
    assert measure(page, "/", PHONE["width"], None, "manager") == []
    desk.locator("tr").filter(has_text="Ergonomic chairs").get_by_role("link").first.click()
    page.wait_for_url("**/requisitions/*/")
    assert measure(page, "requisition", PHONE["width"], None, "manager") == []
    decide = page.get_by_test_id("decide")
    decide.scroll_into_view_if_needed()
    box = decide.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    decide.click()
    page.wait_for_url("**/tasks/**")
    assert measure(page, "/tasks/", PHONE["width"], None, "manager") == []
    row = page.get_by_test_id("task-row").filter(has_text="Ergonomic chairs")
    approve = row.get_by_test_id("approve")
    approve.scroll_into_view_if_needed()
    box = approve.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    comment = row.locator("input[name=comment]")
    if comment.count():
        comment.fill("Fine for the new office")
    approve.click()
    page.get_by_test_id("task-status").filter(has_text="Approved").wait_for()
    assert number  # the requisition's business number headed its page
