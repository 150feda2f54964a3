"""What a supplier may be told about its own invoices: found by number (or by the purchase
order they quote) among THAT supplier's invoices only, each as a status in supplier-facing
words, the expected payment date and what is missing from the supplier. Never an internal
note, a comment, an exception's text, a suspicion (apps.invoices.rules.supplier_may_see) or
another supplier's anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.invoices.duplicates import number_key
from apps.invoices.models import CreditNoteRequest, Invoice, InvoiceException
from apps.invoices.rules import supplier_may_see
from apps.organization.money import money_text
from apps.payments.bank_days import next_bank_day
from apps.payments.models import PaymentRun
from apps.suppliers.models import Supplier

MAX_INVOICES = 3  # an order with more invoices: the latest three are answered
OPEN = (
    InvoiceException.Status.OPEN,
    InvoiceException.Status.WAITING_SUPPLIER,
    InvoiceException.Status.PENDING_SECOND,
)


@dataclass(frozen=True)
class InvoiceFacts:
    number: str
    status: str  # received | exception | pending_approval | approved | paid | rejected
    due_date: date | None
    payment_date: date | None  # paid on, or expected on
    missing: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def invoices_asked(
    supplier: Supplier, invoice_numbers: list[str], order_numbers: list[str]
) -> list[Invoice]:
    """The supplier's own invoices the question names; one of another supplier is simply
    not among them."""
    keys = {number_key(n) for n in invoice_numbers}
    orders = {n.strip().lower() for n in order_numbers}
    if not (keys or orders):
        return []
    own = Invoice.objects.filter(supplier=supplier, kind=Invoice.Kind.INVOICE)
    found = (
        list(own.filter(number_key__in=keys).order_by("-created_at")[:MAX_INVOICES]) if keys else []
    )
    if not found and orders:
        found = [
            i
            for i in own.select_related("purchase_order").order_by("-created_at")[:500]
            if i.po_reference.lower() in orders
            or (i.purchase_order is not None and i.purchase_order.number.lower() in orders)
        ][:MAX_INVOICES]
    return found


def expected_payment_date(invoice: Invoice, today: date) -> date | None:
    """Paid: the day it was paid. Approved: the execution date of the released payment run it
    is in (a run only proposed may still change, so it is not promised), else the first bank
    day (of its currency) on or after its due date, and never before tomorrow's. Not approved
    yet: none."""
    if invoice.status == Invoice.Status.PAID:
        return timezone.localtime(invoice.paid_at).date() if invoice.paid_at else None
    if invoice.status != Invoice.Status.APPROVED:
        return None
    run = (
        PaymentRun.objects.filter(
            payments__invoice=invoice,
            status=PaymentRun.Status.RELEASED,
        )
        .values_list("execution_date", flat=True)
        .first()
    )
    if run is not None:
        return run
    due = invoice.due_date or today
    return next_bank_day(invoice.currency, max(due, today + timedelta(days=1)))


def missing_from(invoice: Invoice) -> list[tuple[str, dict[str, Any]]]:
    """What the invoice waits on, in phrase keys the supplier may read: a credit note asked
    of it, the goods receipt, a difference from the order in review; nothing about what the
    supplier may not see."""
    out: list[tuple[str, dict[str, Any]]] = []
    requests = CreditNoteRequest.objects.filter(
        invoice=invoice, status=CreditNoteRequest.Status.REQUESTED
    ).values_list("amount", flat=True)
    for amount in requests:
        out.append(("missing_credit_note", {"amount": money_text(amount, invoice.currency)}))
    codes = {
        code
        for code, category in InvoiceException.objects.filter(
            invoice=invoice, status__in=OPEN
        ).values_list("code", "category")
        if supplier_may_see(code, category, invoice)
    }
    if "not_received" in codes:
        out.append(("missing_goods_receipt", {}))
    if codes & {"price_variance", "quantity_variance"} and not requests:
        out.append(("missing_variance_review", {}))
    if codes & {"no_po", "po_not_found"}:
        out.append(("missing_order_reference", {}))
    return out


def facts_of(invoice: Invoice, today: date | None = None) -> InvoiceFacts:
    today = today or timezone.localdate()
    return InvoiceFacts(
        number=invoice.invoice_number,
        status=invoice.status,
        due_date=invoice.due_date,
        payment_date=expected_payment_date(invoice, today),
        missing=missing_from(invoice) if invoice.status != Invoice.Status.PAID else [],
    )
