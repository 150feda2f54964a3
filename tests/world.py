"""Documents in the states the control and event tests start from, made through the services
as the people of the organisation would (tests/invoices and tests/suppliers fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.invoices.models import Invoice, InvoiceException
from apps.payments.models import PaymentRun
from apps.procurement.models import Requisition
from apps.workflow.models import ApprovalTask
from tests.invoices.conftest import add_bank_account, invoice_body, make_order, validated
from tests.suppliers.conftest import complete_onboarding, invite


@dataclass
class World:
    """The accounts-payable and supplier organisations of tenant a, and a receiver's hand."""

    aporg: Any
    sorg: Any
    receive: Any

    @property
    def org(self) -> Any:
        return self.aporg.org


def draft(
    requester: Any, total: str = "5000.00", title: str = "Laptops", supplier: Any = None
) -> Requisition:
    """Above the demo policy's 1,000: submitting it starts an approval route. Without a
    supplier, once approved it waits for a buyer to choose one; with one, the order is issued."""
    from apps.procurement.services.requisitions import requisition_create

    with transaction.atomic():
        return requisition_create(
            actor=requester,
            data={
                "title": title,
                "cost_center": "CC-100",
                "spend_category": "IT-HW",
                "legal_entity": "US01",
                "currency": "USD",
                "supplier": supplier.pk if supplier is not None else None,
                "lines": [{"description": title, "quantity": "1", "unit_price": total}],
            },
        )


def pending(
    requester: Any, total: str = "5000.00", supplier: Any = None
) -> tuple[Requisition, ApprovalTask]:
    """Submitted and waiting in its first approver's inbox."""
    from apps.procurement.services.requisitions import requisition_submit

    requisition = draft(requester, total, supplier=supplier)
    requisition_submit(actor=requester, requisition_id=requisition.pk)
    task = ApprovalTask.objects.get(subject_id=str(requisition.pk), status="open")
    return requisition, task


def approved(requester: Any, total: str = "500.00") -> Requisition:
    """Approved at once by the demo policy (up to 1,000) and, naming no supplier, waiting for
    a buyer to choose one."""
    from apps.procurement.services.requisitions import requisition_submit

    requisition = draft(requester, total)
    return requisition_submit(actor=requester, requisition_id=requisition.pk)


def received(aporg: Any, receive: Any, *, number: str, price: str | None = None) -> Invoice:
    """Received, not yet matched, on an order whose goods arrived; `price` above the order's
    45.00 makes a price variance."""
    from apps.invoices.services.receive import invoice_create

    order = make_order(aporg, [("Laptop stand", "10", "45.00")])
    receive(aporg, order, {1: "10"})
    body = invoice_body(order, number=number, prices={1: price} if price else None)
    return invoice_create(actor=aporg.clerk, data=validated(body))


def invoice(aporg: Any, receive: Any, *, number: str, price: str | None = None) -> Invoice:
    """`received`, then matched."""
    from apps.matching.services.outcome import invoices_match

    created = received(aporg, receive, number=number, price=price)
    invoices_match(invoice_ids=[created.pk])
    created.refresh_from_db()
    return created


def price_exception(aporg: Any, receive: Any, number: str) -> InvoiceException:
    return invoice(aporg, receive, number=number, price="47.00").exceptions.get(
        code="price_variance"
    )


def payable(aporg: Any, receive: Any, number: str) -> Invoice:
    """Approved, due today, and its supplier has an active bank account."""
    approved = invoice(aporg, receive, number=number)
    assert approved.status == Invoice.Status.APPROVED
    Invoice.objects.filter(pk=approved.pk).update(due_date=timezone.localdate())
    if not aporg.supplier.bank_accounts.filter(status="active").exists():
        add_bank_account(aporg.supplier, by=aporg.clerk)
    return approved


def proposed_run(aporg: Any, receive: Any, number: str = "PAY-ME-1") -> PaymentRun:
    from apps.payments.services.runs import payment_proposal_create

    payable(aporg, receive, number)
    [run] = payment_proposal_create(actor=aporg.clerk)
    return run


def released_run(aporg: Any, receive: Any, number: str = "PAY-ME-1") -> PaymentRun:
    """Released by an AP manager who neither approved its invoices nor entered the bank
    account (segregation of duties)."""
    from apps.accounts.services import user_ensure
    from apps.payments.services.runs import payment_run_release

    run = proposed_run(aporg, receive, number)
    releaser = user_ensure(email="releaser@a.test", password="x-pass-2026!", roles=["ap_manager"])
    return payment_run_release(actor=releaser, run_id=run.pk)


def onboarding_task(sorg: Any, name: str = "Tailspin Parts GmbH") -> tuple[Any, ApprovalTask]:
    """A supplier that completed its profile and submitted; its onboarding route waits in a
    buyer's inbox."""
    from apps.suppliers.services.checks import supplier_checks_run
    from apps.suppliers.services.onboarding import supplier_submit

    supplier = invite(sorg, name)
    user = complete_onboarding(sorg, supplier)
    with transaction.atomic():
        supplier_submit(actor=user, supplier_id=supplier.pk)
    supplier_checks_run(supplier_id=supplier.pk, start_route=True)
    task = ApprovalTask.objects.get(subject_id=str(supplier.pk), status="open")
    return supplier, task


def due_past(exception: InvoiceException) -> None:
    InvoiceException.objects.filter(pk=exception.pk).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
