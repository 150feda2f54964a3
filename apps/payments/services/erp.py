"""What an ERP reports paid (`payment.executed`, a signed inbound event: docs/integrations.md),
recorded against the ERP connection that said it (`source`, e.g. `erp:Finance ERP`), not a
person. Payments add up to the invoice's amount due; disagreements become exceptions in AP's
queue (apps.invoices.services.erp), never a silent change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.invoices.models import ZERO, Invoice
from apps.invoices.services.announcements import invoice_payload
from apps.invoices.services.erp import exception_raise_for_erp, exception_settle_for_erp
from apps.organization.money import amount_text

from ..models import ErpPayment, PaymentRun
from .runs import payment_runs_drop


def _paid_so_far(invoice: Invoice) -> Decimal:
    total = invoice.erp_payments.filter(currency=invoice.currency).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def amount_due(invoice: Invoice) -> Decimal:
    """What the ERP's payments must reach: what a paid payment run paid (the payable amount
    less an early-payment discount taken), else the payable amount."""
    by_run = invoice.payments.filter(run__status=PaymentRun.Status.PAID).aggregate(s=Sum("amount"))[
        "s"
    ]
    return invoice.payable if by_run is None else by_run


@transaction.atomic
def invoice_payment_from_erp(
    *,
    source: str,
    invoice_id: Any,
    amount: Decimal,
    currency: str,
    paid_on: date,
    reference: str,
    message_id: str,
) -> dict[str, Any]:
    """`payment.executed`: kept, added to what the ERP paid before; the invoice becomes paid
    (outbox `invoice.paid`) when the payments reach its payable amount. An overpayment, another
    currency or a payment of an invoice not approved here is an exception."""
    invoice = Invoice.objects.select_for_update().select_related("supplier").get(pk=invoice_id)
    paid = _erp_payment_keep(
        source=source,
        invoice=invoice,
        amount=amount,
        currency=currency,
        paid_on=paid_on,
        reference=reference,
        message_id=message_id,
    )
    facts = {"amount": str(amount), "currency": currency, "reference": reference}
    if invoice.status not in (Invoice.Status.APPROVED, Invoice.Status.PAID):
        _erp_payment_unapproved(source, invoice, amount, currency, facts)
        return {"outcome": "exception", "paid_so_far": str(paid)}
    due = amount_due(invoice)
    if currency != invoice.currency or paid > due:
        _erp_payment_mismatch(source, invoice, amount, currency, paid, due, facts)
        return {"outcome": "exception", "paid_so_far": str(paid)}
    if paid < due:
        return {"outcome": "partial", "paid_so_far": str(paid), "open": str(due - paid)}
    if invoice.status == Invoice.Status.PAID:  # paid by a run here; the ERP confirms it
        exception_settle_for_erp(
            source=source,
            invoice=invoice,
            code="erp_payment_unconfirmed",
            comment=_("Confirmed by the ERP."),
        )
        return {"outcome": "confirmed", "paid_so_far": str(paid)}
    dropped = _invoice_paid_by_erp(source, invoice, paid, paid_on, reference)
    return {"outcome": "paid", "paid_so_far": str(paid), "left_payment_runs": dropped}


def _erp_payment_keep(
    *,
    source: str,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    paid_on: date,
    reference: str,
    message_id: str,
) -> Decimal:
    """Keep the ERP's payment and record it; what the ERP has paid on the invoice so far."""
    ErpPayment.objects.create(
        invoice=invoice,
        amount=amount,
        currency=currency,
        paid_on=paid_on,
        reference=reference[:140],
        source=source[:120],
        message_id=message_id,
    )
    paid = _paid_so_far(invoice)
    event_record(
        actor=source,
        action="invoice.erp_payment_recorded",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={
            "amount": amount,
            "currency": currency,
            "paid_on": paid_on.isoformat(),
            "reference": reference,
            "paid_so_far": paid,
            "payable": invoice.payable,
        },
    )
    return paid


def _erp_payment_unapproved(
    source: str, invoice: Invoice, amount: Decimal, currency: str, facts: dict[str, Any]
) -> None:
    """The ERP paid an invoice that was not approved here: an exception in AP's queue."""
    exception_raise_for_erp(
        source=source,
        invoice=invoice,
        code="erp_payment_unapproved",
        detail=_("The ERP paid %(amount)s %(currency)s on an invoice that is %(status)s.")
        % {
            "amount": amount_text(amount, currency),
            "currency": currency,
            "status": invoice.get_status_display().lower(),
        },
        data=facts,
    )


def _erp_payment_mismatch(
    source: str,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    paid: Decimal,
    due: Decimal,
    facts: dict[str, Any],
) -> None:
    """The ERP paid in another currency, or more than is due: an exception in AP's queue."""
    exception_raise_for_erp(
        source=source,
        invoice=invoice,
        code="erp_payment_mismatch",
        detail=_("The ERP paid %(paid)s %(currency)s in all; the invoice asks %(open)s %(own)s.")
        % {
            "paid": amount_text(amount if currency != invoice.currency else paid, currency),
            "currency": currency,
            "open": amount_text(due, invoice.currency),
            "own": invoice.currency,
        },
        data={**facts, "paid_so_far": str(paid), "due": str(due)},
    )


def _invoice_paid_by_erp(
    source: str, invoice: Invoice, paid: Decimal, paid_on: date, reference: str
) -> list[str]:
    """The ERP's payments reached the amount due: the invoice is paid and leaves the payment
    runs that still held it; returns what those runs were."""
    move_status(invoice, Invoice.Status.PAID, noun=_("invoice"))
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    dropped = payment_runs_drop(source=source, invoice=invoice)
    event_record(
        actor=source,
        action="invoice.paid",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={"reference": reference, "paid_on": paid_on.isoformat()},
        payload=invoice_payload(invoice, payment_run="", amount=paid),
    )
    return dropped
