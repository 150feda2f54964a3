"""Credit notes asked of a supplier to settle an exception, and settled by the credit notes
that arrive for the invoice (together, oldest request first); a credit note tied by AP to
the invoice it credits."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.organization.money import amount_text, money_text

from ..exception_codes import VARIANCE_CODES
from ..models import CENT, ZERO, CreditNoteRequest, ExceptionComment, Invoice, InvoiceException
from .closing import acceptance_record, exception_close, rematch_if_clear, resolved_announcement


def credit_note_request(
    exception: InvoiceException, invoice: Invoice, actor: User, comment: str
) -> InvoiceException:
    if exception.status != InvoiceException.Status.OPEN:
        raise InvalidTransition(_("A credit note can be requested on an open exception."))
    amount = exception.variance_amount
    if exception.code == "tax_mismatch" or amount <= 0:
        amount = invoice.total
    move_status(exception, InvoiceException.Status.WAITING_SUPPLIER, noun=_("exception"))
    exception.resolution, exception.resolution_comment = "request_credit_note", comment
    exception.save(update_fields=["status", "resolution", "resolution_comment"])
    request = CreditNoteRequest.objects.create(
        invoice=invoice, exception=exception, amount=amount, reason=comment, requested_by=actor
    )
    invoice.touched = True
    invoice.save(update_fields=["touched"])
    event_record(
        actor=actor,
        action="invoice.credit_note_requested",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={
            "exception": exception.pk,
            "amount": amount,
            "reason": comment,
            "request": request.pk,
        },
    )
    supplier = invoice.supplier
    if supplier.email:
        number, name = invoice.invoice_number, supplier.name
        with in_language_of(None):  # a supplier's inbox reads the organisation's language
            subject = _("Credit note requested for invoice %s") % number
            message = _(
                "Please send a credit note of %(amount)s %(cur)s for invoice %(n)s "
                "(%(name)s): %(why)s\nYou can see the request in the supplier portal."
            ) % {
                "amount": amount_text(amount, invoice.currency),
                "cur": invoice.currency,
                "n": number,
                "name": name,
                "why": comment,
            }
        address = supplier.email
        transaction.on_commit(
            lambda: send_mail(subject, message, None, [address], fail_silently=True)
        )
    return exception


def credit_note_link(credit_note: Invoice, credited_id: Any, actor: User) -> Invoice:
    """Tie a credit note to the invoice it credits (`link_invoice`): one of the same
    supplier's invoices, in the credit note's currency and not rejected. Credit requests open
    on that invoice are settled by it as if it had named the invoice on arrival."""
    try:
        wanted = uuid.UUID(str(credited_id).strip())
    except ValueError:
        wanted = None
    credited = (
        Invoice.objects.filter(
            pk=wanted, supplier_id=credit_note.supplier_id, kind=Invoice.Kind.INVOICE
        )
        .exclude(status=Invoice.Status.REJECTED)
        .first()
        if wanted is not None
        else None
    )
    if credited is None:
        raise ValidationFailed(
            errors={"credited_invoice": [_("Give the id of one of this supplier's invoices.")]}
        )
    if credited.currency != credit_note.currency:
        raise ValidationFailed(
            errors={"credited_invoice": [_("That invoice is in %s.") % credited.currency]}
        )
    credit_note.credited_invoice = credited
    credit_note.billing_reference = credited.invoice_number
    credit_note.save(update_fields=["credited_invoice", "billing_reference"])
    event_record(
        actor=actor,
        action="invoice.credit_note_linked",
        subject_type="invoice",
        subject_id=credit_note.pk,
        data={"credited_invoice": credited.pk, "number": credited.invoice_number},
    )
    credit_note_settle(credit_note)
    return credited


def credit_note_settle(credit_note: Invoice) -> int:
    """Credit notes referencing an invoice settle its open credit requests, oldest first, as
    far as their net amounts together cover them: the variance is accepted and the invoice is
    matched again. A credit note for less than asked is recorded on the exception, which keeps
    waiting for the rest."""
    if credit_note.credited_invoice_id is None:
        return 0
    invoice_id = credit_note.credited_invoice_id
    requests = list(
        CreditNoteRequest.objects.select_for_update()
        .filter(invoice_id=invoice_id, status=CreditNoteRequest.Status.REQUESTED)
        .select_related("exception")
        .order_by("requested_at")
    )
    available = _credit_available(invoice_id)
    settled = 0
    credited_number = Invoice.objects.values_list("invoice_number", flat=True).get(pk=invoice_id)
    for request in requests:
        if available + CENT < request.amount:
            _record_partial(request, credit_note, available)
            continue
        available -= request.amount
        _request_settle(request, credit_note, credited_number)
        settled += 1
    if settled:
        rematch_if_clear(
            Invoice.objects.select_for_update().get(pk=credit_note.credited_invoice_id)
        )
    return settled


def _credit_available(invoice_id: Any) -> Decimal:
    """The net of the credit notes received for the invoice that no request has used yet."""
    credited = (
        Invoice.objects.filter(credited_invoice_id=invoice_id, kind=Invoice.Kind.CREDIT_NOTE)
        .exclude(status=Invoice.Status.REJECTED)
        .aggregate(s=Sum("lines_total"))["s"]
        or ZERO
    )
    used = (
        CreditNoteRequest.objects.filter(
            invoice_id=invoice_id, status=CreditNoteRequest.Status.RECEIVED
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return credited - used


def _request_settle(request: CreditNoteRequest, credit_note: Invoice, credited_number: str) -> None:
    """The request is received by the credit note and its exception is closed."""
    move_status(request, CreditNoteRequest.Status.RECEIVED, noun=_("credit note request"))
    request.credit_note = credit_note
    request.save(update_fields=["status", "credit_note"])
    exception = InvoiceException.objects.select_for_update().get(pk=request.exception_id)
    if exception.code in VARIANCE_CODES:
        acceptance_record(exception)  # the credit note covers the variance
    exception_close(
        exception,
        None,
        "credit_note_received",
        _("Credit note %s received.") % credit_note.invoice_number,
    )
    event_record(
        actor="system:matching",
        action="invoice.credit_note_received",
        subject_type="invoice",
        subject_id=request.invoice_id,
        data={
            "credit_note": credit_note.pk,
            "number": credit_note.invoice_number,
            "amount": credit_note.total,
        },
        announce=[resolved_announcement(exception, credited_number)],
    )


def _record_partial(request: CreditNoteRequest, credit_note: Invoice, available: Decimal) -> None:
    outstanding = request.amount - max(available, ZERO)
    ExceptionComment.objects.create(
        exception_id=request.exception_id,
        author=None,
        body=_(
            "Credit note %(number)s received (%(amount)s net); %(outstanding)s of the "
            "%(asked)s asked is still outstanding."
        )
        % {
            "number": credit_note.invoice_number,
            "amount": money_text(credit_note.lines_total, credit_note.currency),
            "outstanding": amount_text(outstanding, credit_note.currency),
            "asked": money_text(request.amount, credit_note.currency),
        },
    )
    event_record(
        actor="system:matching",
        action="invoice.credit_note_partial",
        subject_type="invoice",
        subject_id=request.invoice_id,
        data={
            "credit_note": credit_note.pk,
            "number": credit_note.invoice_number,
            "amount": credit_note.lines_total,
            "outstanding": outstanding,
        },
    )
