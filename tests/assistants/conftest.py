"""Exception advice reads a fixed history of decided exceptions, written here as rows (the
decisions are the input, not what is under test), beside a live exception made through the
services."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.invoices.models import CreditNoteRequest, Invoice, InvoiceException
from apps.suppliers.models import Supplier
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "assistant_policy", "decided", "history_invoice", "receive"]


def history_invoice(number: str, *, like: Invoice | None = None) -> Invoice:
    """An invoice to hang a decided exception on: the supplier and order of `like`, or another
    supplier's without an order (no spend category)."""
    if like is not None:
        supplier, order = like.supplier, like.purchase_order
    else:
        supplier, _created = Supplier.objects.get_or_create(
            name="Fabrikam Tools", defaults={"country": "DE", "status": Supplier.Status.APPROVED}
        )
        order = None
    return Invoice.objects.create(
        supplier=supplier,
        purchase_order=order,
        invoice_number=number,
        number_key=number,
        invoice_date=timezone.localdate(),
        currency="EUR",
        total=Decimal("1000.00"),
        payable=Decimal("1000.00"),
        channel=Invoice.Channel.API,
        status=Invoice.Status.EXCEPTION,
    )


def decided(
    invoice: Invoice,
    *,
    resolution: str,
    by: Any,
    invoiced: str,
    ordered: str = "45.00",
    quantity: int = 10,
    days_ago: float = 10,
    hours: float = 4,
    code: str = "price_variance",
) -> InvoiceException:
    """A price variance of `invoiced` against `ordered` a unit, raised `days_ago` and decided
    `hours` later by `by` (a credit note request waits for the supplier)."""
    raised = timezone.now() - timedelta(days=days_ago)
    gap = (Decimal(invoiced) - Decimal(ordered)) * quantity
    asked = resolution == "request_credit_note"
    exception = InvoiceException.objects.create(
        invoice=invoice,
        code=code,
        category="commercial_mismatch",
        queue="buyer",
        status="waiting_supplier" if asked else "resolved",
        detail="history",
        data={"line_no": 1, "invoiced": invoiced, "ordered": ordered, "gap": str(gap)},
        variance_amount=gap,
        due_at=raised + timedelta(days=2),
        resolution=resolution,
        resolved_by=None if asked else by,
        resolved_at=None if asked else raised + timedelta(hours=hours),
    )
    InvoiceException.objects.filter(pk=exception.pk).update(created_at=raised)
    if asked:
        request = CreditNoteRequest.objects.create(
            invoice=invoice, exception=exception, amount=gap, reason="history", requested_by=by
        )
        CreditNoteRequest.objects.filter(pk=request.pk).update(
            requested_at=raised + timedelta(hours=hours)
        )
    exception.refresh_from_db()
    return exception


def assistant_policy(org: Any, name: str, *, enabled: bool = True, threshold: float = 0.8) -> None:
    """Publish a policy version with the assistant set as asked (inside the tenant)."""
    from apps.policies.selectors import policy_published
    from apps.policies.services import policy_draft_create, policy_publish

    document = copy.deepcopy(policy_published().document)
    document.setdefault("assistants", {})[name] = {"enabled": enabled, "threshold": threshold}
    from tests.conftest import with_fresh_factor

    draft = policy_draft_create(actor=org.admin, document=document, note=f"{name} {enabled}")
    with_fresh_factor(org.admin)  # publishing asks for a fresh second factor
    policy_publish(actor=org.admin, version=draft)


@pytest.fixture
def portal_user(aporg: Any, in_tenant: Any) -> Any:
    """A supplier portal user of the fixtures' supplier (Contoso GmbH)."""
    from tests.invoices.test_exceptions import portal_user_of

    with in_tenant(aporg.tenant):
        return portal_user_of(aporg)


@pytest.fixture(autouse=True)
def _trusted_upstream(settings: Any) -> None:
    """The upstream MTA the e-mail tests trust (tests/inbox/conftest.py)."""
    from tests.inbox.conftest import TRUSTED_MTA

    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED_MTA]
