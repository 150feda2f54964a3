"""Exception advice reads a fixed history of decided exceptions, written here as rows (the
decisions are the input, not what is under test), beside a live exception made through the
services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.invoices.models import CreditNoteRequest, Invoice, InvoiceException
from apps.suppliers.models import Supplier
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "decided", "history_invoice", "receive"]


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
