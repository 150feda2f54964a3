"""What an ERP reports about invoices (signed inbound events, docs/integrations.md) and what
the daily reconciliation finds. Each is recorded against the ERP connection that said it
(`source`, e.g. `erp:Finance ERP`), not a person; disagreements become exceptions in AP's
queue, never a silent change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.controls.transitions import move_status
from apps.controls.values import identifier_problem
from apps.events.services import event_record
from apps.policies.models import PolicyVersion

from ..catalog import CODES
from ..models import ERP_DOCUMENT_LENGTH, ZERO, ErpPayment, Invoice, InvoiceException, PaymentRun
from ..rules import policy_section
from .announcements import exception_payload, invoice_payload
from .closing import OPEN, exception_close, resolved_announcement
from .exceptions import exception_due
from .payments import payment_runs_drop


def exception_raise_for_erp(
    *,
    source: str,
    invoice: Invoice,
    code: str,
    detail: str,
    data: dict[str, Any],
    once: bool = False,
    policy: tuple[PolicyVersion, dict[str, Any]] | None = None,
) -> InvoiceException | None:
    """An ERP disagreement as an exception on the invoice, unless one with this code is open
    already; with `once` (the nightly reconciliation), unless the invoice ever had one: what AP
    settled with the ERP is not raised again night after night. `policy` (the published
    version and its document) spares a caller raising many one read each."""
    earlier = invoice.exceptions.filter(code=code)
    if (earlier if once else earlier.filter(status__in=OPEN)).exists():
        return None
    version, section = policy or policy_section()
    now = timezone.now()
    exception = InvoiceException.objects.create(
        invoice=invoice,
        code=code,
        category=CODES[code][0],
        queue=CODES[code][1],
        detail=detail[:500],
        data=data,
        policy_version=version.label,
        due_at=exception_due(now, section["invoices"]),
    )
    event_record(
        actor=source,
        action="invoice.exception_raised",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={"exception": exception.pk, "code": code, "detail": exception.detail},
        payload=exception_payload(exception, invoice.invoice_number),
    )
    return exception


def _settle(source: str, invoice: Invoice, code: str, comment: str) -> None:
    """Close what the ERP's news answers (an open `erp_not_posted` once it posts, …)."""
    for exception in invoice.exceptions.select_for_update().filter(code=code, status__in=OPEN):
        exception_close(exception, None, "acknowledge", comment)
        event_record(
            actor=source,
            action="invoice.exception_resolved",
            subject_type="invoice",
            subject_id=invoice.pk,
            data={"exception": exception.pk, "code": code, "comment": comment},
            payload=resolved_announcement(exception, invoice.invoice_number)[1],
        )


@transaction.atomic
def invoice_posted_by_erp(*, source: str, invoice_id: Any, erp_document: str) -> Invoice:
    """`invoice.posted`: the ERP's document number, recorded once (the same number again
    changes nothing; another number for a posted invoice is refused)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    erp_document = (erp_document or "").strip()
    if not erp_document:
        raise InvalidTransition(_("The event names no ERP document number."))
    if len(erp_document) > ERP_DOCUMENT_LENGTH or identifier_problem(erp_document):
        # kept whole or not at all: a cut number would name another document
        raise ValidationFailed(
            errors={
                "erp_document": [
                    identifier_problem(erp_document)
                    or _("At most %s characters.") % ERP_DOCUMENT_LENGTH
                ]
            }
        )
    if invoice.status not in (Invoice.Status.APPROVED, Invoice.Status.PAID):
        raise InvalidTransition(
            _("Invoice %(number)s is %(status)s; only approved invoices are posted.")
            % {"number": invoice.invoice_number, "status": invoice.get_status_display().lower()}
        )
    if invoice.erp_document_number == erp_document:
        return invoice
    if invoice.erp_document_number:
        raise InvalidTransition(
            _("Invoice %(number)s is already posted as %(document)s.")
            % {"number": invoice.invoice_number, "document": invoice.erp_document_number}
        )
    invoice.erp_document_number, invoice.posted_at = erp_document, timezone.now()
    invoice.save(update_fields=["erp_document_number", "posted_at"])
    event_record(
        actor=source,
        action="invoice.posted",
        subject_type="invoice",
        subject_id=invoice.pk,
        after={"erp_document_number": erp_document},
    )
    _settle(source, invoice, "erp_not_posted", _("Posted as %s.") % erp_document)
    return invoice


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
    facts = {"amount": str(amount), "currency": currency, "reference": reference}
    if invoice.status not in (Invoice.Status.APPROVED, Invoice.Status.PAID):
        exception_raise_for_erp(
            source=source,
            invoice=invoice,
            code="erp_payment_unapproved",
            detail=_("The ERP paid %(amount)s %(currency)s on an invoice that is %(status)s.")
            % {
                "amount": amount,
                "currency": currency,
                "status": invoice.get_status_display().lower(),
            },
            data=facts,
        )
        return {"outcome": "exception", "paid_so_far": str(paid)}
    due = amount_due(invoice)
    if currency != invoice.currency or paid > due:
        exception_raise_for_erp(
            source=source,
            invoice=invoice,
            code="erp_payment_mismatch",
            detail=_(
                "The ERP paid %(paid)s %(currency)s in all; the invoice asks %(open)s %(own)s."
            )
            % {
                "paid": amount if currency != invoice.currency else paid,
                "currency": currency,
                "open": due,
                "own": invoice.currency,
            },
            data={**facts, "paid_so_far": str(paid), "due": str(due)},
        )
        return {"outcome": "exception", "paid_so_far": str(paid)}
    if paid < due:
        return {"outcome": "partial", "paid_so_far": str(paid), "open": str(due - paid)}
    if invoice.status == Invoice.Status.PAID:  # paid by a run here; the ERP confirms it
        _settle(source, invoice, "erp_payment_unconfirmed", _("Confirmed by the ERP."))
        return {"outcome": "confirmed", "paid_so_far": str(paid)}
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
    return {"outcome": "paid", "paid_so_far": str(paid), "left_payment_runs": dropped}
