"""In the browser: a destructive button opens the confirm dialog that says what will happen;
"Go back" changes nothing, "Yes" carries the action out (a plain form, and an HTMX one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in

pytestmark = pytest.mark.browser


def _status(committed_org: dict[str, Any], django_db_blocker: Any, pk: Any) -> str:
    from apps.procurement.models import Requisition
    from apps.tenancy.context import tenant_context

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        return str(Requisition.objects.get(pk=pk).status)


def test_cancelling_a_requisition_asks_first(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.tenancy.context import tenant_context
    from tests import world

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        requisition = world.draft(committed_org["requester"], title="Trade-fair booth")

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(f"{base}/requisitions/{requisition.pk}/")
    dialog = page.locator("dialog[data-confirm-dialog]")
    assert not dialog.is_visible()

    page.get_by_test_id("cancel").click()
    assert dialog.is_visible()
    assert requisition.number in dialog.inner_text()  # it says what will happen, to what
    dialog.get_by_role("button", name="Go back").click()
    assert not dialog.is_visible()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "draft"

    page.get_by_test_id("cancel").click()
    with page.expect_navigation():
        dialog.locator("[data-confirm-yes]").click()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "cancelled"
    assert "cancelled" in page.locator("main").inner_text()


def test_rejecting_a_task_asks_first_and_keeps_the_comment(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.tenancy.context import tenant_context
    from tests import world

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        requisition, task = world.pending(committed_org["requester"], total="4000.00")
        approver = task.assignee

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, approver.email)
    page.goto(f"{base}/tasks/")
    row = page.locator(f"#task-{task.pk}")
    row.get_by_label("Comment").fill("Over the team's budget this quarter.")
    dialog = row.locator("dialog[data-confirm-dialog]")

    row.get_by_test_id("reject").click()
    assert dialog.is_visible()
    page.keyboard.press("Escape")  # Esc is "go back" too
    assert not dialog.is_visible()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "pending_approval"

    row.get_by_test_id("reject").click()
    dialog.locator("[data-confirm-yes]").click()
    page.get_by_test_id("task-status").wait_for()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "rejected"


NO_DIALOG = "HTMLDialogElement.prototype.showModal = undefined;"  # a browser without <dialog>


def test_without_the_dialog_the_server_asks(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    """Where the dialog cannot open, the button sends the form without the confirmation: the
    server's confirmation step asks, and nothing is cancelled until the person says yes there."""
    from apps.tenancy.context import tenant_context
    from tests import world

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        requisition = world.draft(committed_org["requester"], title="Sponsorship")

    page.add_init_script(NO_DIALOG)
    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, committed_org["requester"].email)
    page.goto(f"{base}/requisitions/{requisition.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("cancel").click()
    step = page.get_by_test_id("confirm-step")
    assert step.is_visible()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "draft"

    with page.expect_navigation():
        step.get_by_test_id("confirm-yes").click()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "cancelled"


def test_without_the_dialog_an_htmx_button_gets_the_step_in_place(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.tenancy.context import tenant_context
    from tests import world

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        requisition, task = world.pending(committed_org["requester"], total="4000.00")
        approver = task.assignee

    page.add_init_script(NO_DIALOG)
    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, approver.email)
    page.goto(f"{base}/tasks/")
    row = page.locator(f"#task-{task.pk}")
    row.get_by_label("Comment").fill("Over the team's budget this quarter.")
    row.get_by_test_id("reject").click()
    page.get_by_test_id("confirm-step").wait_for()
    assert _status(committed_org, django_db_blocker, requisition.pk) == "pending_approval"
