"""The daily reconciliation with the ERP (docs/integrations.md): approved invoices the ERP has
not posted within the grace period, paid invoices whose payment it never confirmed; each an
exception in AP's queue, raised once however often the job runs, closed by the ERP's news or
by AP; every run kept as a report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.integrations.models import ReconciliationRun
from apps.integrations.services.access import erp_connection_create
from apps.integrations.tasks import reconcile_erp
from apps.invoices.models import Invoice, InvoiceException
from tests.integrations.conftest import approved_invoice, erp_post, signed_in

pytestmark = pytest.mark.django_db


def test_nothing_is_reconciled_where_no_erp_is_connected(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "REC-0")
        Invoice.objects.filter(pk=invoice.pk).update(approved_at=timezone.now() - timedelta(days=3))
        assert reconcile_erp() == 0
        assert not ReconciliationRun.objects.exists()
        assert not InvoiceException.objects.filter(invoice=invoice).exists()


@override_settings(ERP_POSTING_GRACE_HOURS=24)
def test_mismatches_become_exceptions_once_and_the_erps_news_closes_them(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    long_ago = timezone.now() - timedelta(hours=30)
    with in_tenant(aporg.tenant):
        _connection, secret = erp_connection_create(actor=aporg.org.admin, data={"name": "ERP"})
        unposted = approved_invoice(aporg, receive, "REC-1")
        posted = approved_invoice(aporg, receive, "REC-2", quantity="9")
        recent = approved_invoice(aporg, receive, "REC-3", quantity="8")
        unconfirmed = approved_invoice(aporg, receive, "REC-4", quantity="7")
        Invoice.objects.filter(pk__in=[unposted.pk, posted.pk, unconfirmed.pk]).update(
            approved_at=long_ago
        )
        Invoice.objects.filter(pk=posted.pk).update(erp_document_number="FI-1", posted_at=long_ago)
        Invoice.objects.filter(pk=unconfirmed.pk).update(
            status="paid", paid_at=long_ago, erp_document_number="FI-2", posted_at=long_ago
        )
        assert reconcile_erp() == 2
        run = ReconciliationRun.objects.get()
        assert run.counts == {
            "erp_not_posted": 1,
            "erp_payment_unconfirmed": 1,
            "erp_payment_unapproved": 0,
        }
        assert run.checked == 4 and run.grace_hours == 24
        flagged = dict(
            InvoiceException.objects.filter(code__startswith="erp_").values_list(
                "invoice__invoice_number", "code"
            )
        )
        assert flagged == {"REC-1": "erp_not_posted", "REC-4": "erp_payment_unconfirmed"}
        assert recent.pk not in {r["invoice"] for r in run.mismatches}
        assert InvoiceException.objects.get(invoice=unposted).queue == "ap"
        # the next night: the same mismatches, no second exception
        assert reconcile_erp() == 2
        second = ReconciliationRun.objects.order_by("-started_at").first()
        assert second is not None and second.counts["erp_not_posted"] == 0
        assert all(not m["new"] for m in second.mismatches)
        assert InvoiceException.objects.filter(code__startswith="erp_").count() == 2

    # the ERP posts REC-1 and confirms REC-4's payment: both exceptions close by themselves
    client = api_for(aporg.tenant)
    assert (
        erp_post(
            client, secret, "invoice.posted", {"invoice": str(unposted.pk), "erp_document": "FI-3"}
        ).status_code
        == 200
    )
    confirmed = erp_post(
        client,
        secret,
        "payment.executed",
        {
            "invoice": str(unconfirmed.pk),
            "amount": str(unconfirmed.payable),
            "currency": "EUR",
            "paid_on": "2026-11-27",
            "reference": "BANK-9",
        },
    )
    assert confirmed.json()["result"]["outcome"] == "confirmed"
    with in_tenant(aporg.tenant):
        statuses = set(
            InvoiceException.objects.filter(code__startswith="erp_").values_list(
                "status", flat=True
            )
        )
        assert statuses == {"resolved"}
        assert Invoice.objects.get(pk=unconfirmed.pk).status == "paid"


def test_ap_settles_a_mismatch_on_a_paid_invoice_with_a_comment(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        erp_connection_create(actor=aporg.org.admin, data={"name": "ERP"})
        invoice = approved_invoice(aporg, receive, "REC-5")
        long_ago = timezone.now() - timedelta(days=2)
        Invoice.objects.filter(pk=invoice.pk).update(
            status="paid", paid_at=long_ago, approved_at=long_ago, posted_at=long_ago
        )
        reconcile_erp()
        exception = InvoiceException.objects.get(invoice=invoice)
    clerk = api_for(aporg.tenant, aporg.clerk)
    path = f"/api/v1/exceptions/{exception.pk}/resolve/"
    no_comment = clerk.post(path, {"resolution": "acknowledge"}, format="json")
    assert no_comment.status_code == 422
    wrong = clerk.post(path, {"resolution": "accept_variance"}, format="json")
    assert wrong.status_code == 409
    done = clerk.post(
        path,
        {"resolution": "acknowledge", "comment": "Paid by hand in the ERP, booked as FI-77."},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    with in_tenant(aporg.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == "paid"
        reconcile_erp()  # settled: not raised again the next night
        assert InvoiceException.objects.filter(invoice=invoice).count() == 1


def test_the_report_is_on_the_integrations_page(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        erp_connection_create(actor=aporg.org.admin, data={"name": "Finance ERP"})
        invoice = approved_invoice(aporg, receive, "REC-6")
        Invoice.objects.filter(pk=invoice.pk).update(approved_at=timezone.now() - timedelta(days=2))
    browser = signed_in(aporg.tenant, aporg.org.admin)
    ran = browser.post("/settings/integrations/reconcile/", follow=True)
    page = ran.content.decode()
    assert "Reconciled: 1 mismatch (see" in page
    assert "REC-6" in page and "Not posted by the ERP" in page and "Finance ERP" in page


def test_a_run_that_took_a_discount_is_confirmed_by_what_it_paid(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    from decimal import Decimal

    from apps.organization.models import LegalEntity
    from apps.payments.models import Payment, PaymentRun

    long_ago = timezone.now() - timedelta(days=2)
    with in_tenant(aporg.tenant):
        _connection, secret = erp_connection_create(actor=aporg.org.admin, data={"name": "ERP"})
        invoice = approved_invoice(aporg, receive, "REC-7")
        discount = Decimal("10.71")
        run = PaymentRun.objects.create(
            number="PAY-T1",
            legal_entity=LegalEntity.objects.get(code="DE01"),
            currency="EUR",
            execution_date=long_ago.date(),
            status="paid",
            paid_at=long_ago,
        )
        Payment.objects.create(
            run=run, invoice=invoice, amount=invoice.payable - discount, discount=discount
        )
        Invoice.objects.filter(pk=invoice.pk).update(
            status="paid", paid_at=long_ago, approved_at=long_ago, posted_at=long_ago
        )
        assert reconcile_erp() == 1  # not confirmed yet
        (flagged,) = InvoiceException.objects.filter(invoice=invoice)
        assert str(invoice.payable - discount) in flagged.detail
    confirmed = erp_post(
        api_for(aporg.tenant),
        secret,
        "payment.executed",
        {
            "invoice": str(invoice.pk),
            "amount": str(invoice.payable - discount),
            "currency": "EUR",
            "paid_on": long_ago.date().isoformat(),
            "reference": "BANK-D",
        },
    )
    assert confirmed.json()["result"]["outcome"] == "confirmed"
    with in_tenant(aporg.tenant):
        assert InvoiceException.objects.get(invoice=invoice).status == "resolved"
        reconcile_erp()
        assert InvoiceException.objects.filter(invoice=invoice).count() == 1
