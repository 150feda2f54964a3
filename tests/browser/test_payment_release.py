"""In the browser: an AP manager goes from the home page to releasing a payment run without
typing an address: home → the payment-run card → the run → review (payees, masked accounts,
amounts) → release → the code of their authenticator (step-up) → release. Every page on the
way fits a 1280-pixel window."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > 1280)"
        ".slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
    )
    assert width <= 1280, f"{page.url} is {width} px wide: {wide}"


def test_ap_manager_releases_a_run_from_home(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.services import user_ensure
    from apps.invoices.models import Invoice
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from apps.organization.models import LegalEntity
    from apps.payments.models import PayingAccount
    from apps.payments.services.runs import payment_proposal_create
    from apps.procurement.services.receiving import goods_receipt_post
    from apps.tenancy.context import tenant_context
    from tests.invoices.conftest import (
        add_bank_account,
        committed_ap,
        invoice_body,
        make_order,
        validated,
    )

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            ap = committed_ap(committed_org)
            releaser = user_ensure(email="apm@x.test", password=PASSWORD, roles=["ap_manager"])
            app = TOTPDevice.objects.create(user=releaser, name="authenticator", confirmed=True)
            PayingAccount.objects.get_or_create(
                legal_entity=LegalEntity.objects.get(code="DE01"),
                defaults={"name": "Main", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
            )
            order = make_order(ap.people, [("Laptop stand", "10", "45.00")])
            goods_receipt_post(
                actor=ap.receiver,
                order_id=order.pk,
                lines=[{"po_line": order.lines.get().pk, "quantity": "10"}],
            )
            invoice = invoice_create(
                actor=ap.clerk, data=validated(invoice_body(order, number="PAY-BROWSER-1"))
            )
        invoices_match(invoice_ids=[invoice.pk])
        with transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate())
            add_bank_account(ap.supplier, by=ap.clerk)
            [run] = payment_proposal_create(actor=ap.clerk)

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, releaser.email)
    _fits(page)
    page.locator('[data-work="payment_runs"] h2 a').click()
    page.wait_for_url(base + "/payments/")
    _fits(page)
    page.get_by_role("link", name=run.number).click()
    page.get_by_test_id("review-release").click()
    confirmation = page.get_by_test_id("release-confirmation")
    assert "535.50 EUR" in confirmation.inner_text()  # ten at 45.00 plus 19 % tax
    assert "4931" in page.get_by_test_id("payee-account").first.inner_text()
    _fits(page)
    page.get_by_test_id("confirm-release").click()
    # releasing asks for a fresh code (step-up), then offers the release again
    page.wait_for_url(lambda url: "/account/step-up/" in url)
    page.fill("#id_code", totp_code(app))
    page.get_by_test_id("step-up-form").locator("button.primary").click()
    page.get_by_test_id("step-up-resume").locator("button.primary").click()
    page.wait_for_load_state()
    assert "Released" in page.content()
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        run.refresh_from_db()
        assert run.status == "released" and run.released_by_id == releaser.pk
        auditor = user_ensure(email="aud@x.test", password=PASSWORD, roles=["auditor"])

    # the widest pages (the audit trail with its hashes, reference data, the invoice) fit too
    page.context.clear_cookies()
    sign_in(page, base, auditor.email)
    for path in (
        "/audit/",
        "/settings/reference-data/",
        f"/invoices/{invoice.pk}/",
        "/exceptions/",
    ):
        page.goto(base + path)
        _fits(page)
