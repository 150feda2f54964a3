"""What an ERP reports about invoices (signed inbound events, docs/integrations.md) and what
the daily reconciliation finds (what it reports paid: apps.payments.services.erp). Each is
recorded against the ERP connection that said it (`source`, e.g. `erp:Finance ERP`), not a
person; disagreements become exceptions in AP's queue, never a silent change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.controls.values import identifier_problem
from apps.events.services import event_record
from apps.policies.models import PolicyVersion

from ..exception_codes import CODES
from ..models import ERP_DOCUMENT_LENGTH, Invoice, InvoiceException
from ..rules import policy_section
from .announcements import exception_payload
from .closing import OPEN, exception_close, resolved_announcement
from .exceptions import exception_due


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


def exception_settle_for_erp(*, source: str, invoice: Invoice, code: str, comment: str) -> None:
    """Close what the ERP's news answers (an open `erp_not_posted` once it posts, an open
    `erp_payment_unconfirmed` once the ERP's payments confirm a paid invoice)."""
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
    # kept whole or not at all: a cut number would name another document
    if problem := identifier_problem(erp_document, max_length=ERP_DOCUMENT_LENGTH):
        raise ValidationFailed(errors={"erp_document": [problem]})
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
    exception_settle_for_erp(
        source=source,
        invoice=invoice,
        code="erp_not_posted",
        comment=_("Posted as %s.") % erp_document,
    )
    return invoice
