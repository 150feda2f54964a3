"""Payment runs: release under segregation of duties, the pain.001 it writes, confirmation as
paid, and the early-payment discount a proposal captures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.controls.refusals import PermissionRefused, SoDViolation
from apps.invoices.models import Invoice
from apps.invoices.services.resolutions import exception_resolve
from apps.payments.models import PaymentRun
from apps.payments.services.runs import (
    payment_proposal_create,
    payment_run_confirm,
    payment_run_release,
)
from tests.invoices.conftest import add_bank_account, invoice_body, make_order
from tests.invoices.test_exceptions import price_exception
from tests.invoices.test_matching import receive_and_match

pytestmark = pytest.mark.usefixtures("fresh_factors")  # step-up: tests/mfa


def test_payment_release_sod_pain001_and_paid(aporg: Any, in_tenant: Any, receive: Any) -> None:
    from lxml import etree

    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, by=aporg.apmanager2)
        invoice, exception = price_exception(aporg, receive)
        exception_resolve(
            actor=aporg.apmanager, exception_id=exception.pk, resolution="accept_variance"
        )
        Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.invoice_date)  # due now
        [run] = payment_proposal_create(actor=aporg.clerk)
        assert run.total == Decimal("559.30")  # 470.00 net + 19 % tax
        with pytest.raises(PermissionRefused):
            payment_run_release(actor=aporg.clerk, run_id=run.pk)
        with pytest.raises(SoDViolation):  # accepted the variance on the invoice
            payment_run_release(actor=aporg.apmanager, run_id=run.pk)
        with pytest.raises(SoDViolation):  # entered and approved the supplier's bank account
            payment_run_release(actor=aporg.apmanager2, run_id=run.pk)
        third = aporg.org.finance.__class__.objects.get(pk=aporg.apmanager.pk)
        from apps.accounts.services import user_ensure

        releaser = user_ensure(
            email=f"apmanager3@{aporg.tenant.slug}.test",
            password="x-pass-2026!",
            roles=["ap_manager"],
        )
        run = payment_run_release(actor=releaser, run_id=run.pk)
        assert run.status == PaymentRun.Status.RELEASED and third
        root = etree.fromstring(run.pain001.encode())
        ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
        assert root.findtext(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns) == "559.30"
        assert root.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == "DE44500105175407324931"
        assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == "DE89370400440532013000"
        payment_run_confirm(actor=releaser, run_id=run.pk, reference="BANK-REF-1")
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID


def test_early_payment_discount_is_captured(aporg: Any, in_tenant: Any, receive: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Toner", "10", "50.00")])
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, number="DISC-1"))
        Invoice.objects.filter(pk=invoice.pk).update(
            due_date=timezone.localdate() + timedelta(days=60),
            discount_percent=Decimal("2"),
            discount_until=timezone.localdate() + timedelta(days=5),
        )
        [run] = payment_proposal_create(actor=aporg.clerk)
        payment = run.payments.get()
        assert payment.discount == Decimal("11.90") and payment.amount == Decimal("583.10")
