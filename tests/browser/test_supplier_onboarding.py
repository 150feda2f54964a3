"""In the browser: a supplier accepts the invitation, completes onboarding with uploads and
submits; the checks run in a real worker; a buyer approves it in the inbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.demo.suppliers import pdf_bytes
from apps.suppliers.models import SupplierInvitation
from apps.suppliers.services.onboarding import invitation_token, supplier_invite
from apps.tenancy.context import tenant_context
from tests.browser.test_requisition_flow import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_supplier_onboards_and_buyer_approves(
    page: Any,
    live_server_url: str,
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    celery_worker_process: None,
) -> None:
    base = live_server_url.format(host=committed_org["host"])
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            supplier = supplier_invite(
                actor=committed_org["buyer"],
                name="Lakeside Electronics GmbH",
                email="ar@lakeside.test",
                country="DE",
                category="IT-HW",
                base_url=base,
            )
        token = invitation_token(SupplierInvitation.objects.get(supplier=supplier))

    page.goto(f"{base}/supplier-portal/accept/{token}/")
    assert "Lakeside Electronics GmbH" in page.content()
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(base + "/supplier-portal/")
    assert "VAT registration certificate" in page.get_by_test_id("gaps").inner_text()

    page.fill("#tax_id", "DE136695976")
    page.fill("#phone", "+49 30 1234 5678")
    page.fill("#line1", "Seestrasse 4")
    page.fill("#postal_code", "10115")
    page.fill("#city", "Berlin")
    page.fill("#contact_name", "Kim Contact")
    page.get_by_test_id("save-profile").click()
    page.wait_for_url(base + "/supplier-portal/")

    page.select_option("#doc_type", "vat_certificate")
    page.set_input_files(
        "#file", files=[{"name": "vat.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_test_id("upload").click()
    page.get_by_test_id("documents").filter(has_text="VAT registration certificate").wait_for()

    page.fill("#iban", "DE89 3704 0044 0532 0130 00")
    page.fill("#bic", "COBADEFFXXX")
    page.get_by_test_id("add-bank").click()
    page.get_by_test_id("masked-account").filter(has_text="3000").wait_for()
    assert "DE89370400440532013000" not in page.content()

    page.get_by_test_id("submit-onboarding").click()
    page.get_by_test_id("portal-status").filter(has_text="Pending approval").wait_for()
    page.context.clear_cookies()

    sign_in(page, base, committed_org["buyer"].email)
    row = page.get_by_test_id("task-row").filter(has_text="Lakeside Electronics GmbH")
    for _attempt in range(120):  # the worker runs the checks and opens the route
        page.goto(base + "/tasks/")
        if row.count():
            break
        page.wait_for_timeout(500)
    row.get_by_test_id("approve").click()
    page.get_by_test_id("task-status").filter(has_text="Approved").wait_for()
    page.goto(f"{base}/suppliers/{supplier.pk}/")
    assert page.get_by_test_id("supplier-status").inner_text() == "Approved"
