"""The review list of mailed PDFs without e-invoice data (ReadingDraft): the invoice-reading
assistant reads each into the fields of an invoice; AP files it through the intake's own
service (`invoice_create`) after checking the pre-filled form, or discards it with a reason.
Nothing reaches the ledger until a person files it."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.assistants.models import Advice
from apps.assistants.reading.checks import cross_check
from apps.assistants.reading.document import document_read
from apps.assistants.reading.read import MODEL
from apps.assistants.reading.services import NAME, entered_invoice, outcome_record
from apps.assistants.services import advice_record, assistant_setting
from apps.controls.guards import require
from apps.controls.refusals import ApplicationError, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.suppliers.models import Supplier
from apps.tenancy.background import send_on_commit

from .models import MailMessage, ReadingDraft

SYSTEM = "system:mail"
READ_TASK = "apps.inbox.tasks.read_mailed_draft"


def has_invoice_xml(data: bytes) -> bool:
    """Whether the PDF carries an XML attachment (a Factur-X / ZUGFeRD invoice): those are
    imported as e-invoices; a PDF without one is read into a draft."""
    from pypdf import PdfReader

    try:
        names = PdfReader(io.BytesIO(data), strict=False).attachments
    except Exception:  # an unreadable PDF: the import says why
        return True
    return any(name.lower().endswith(".xml") for name in names)


def _read(data: bytes) -> tuple[dict[str, Any], str, Supplier | None]:
    """(what was read, the problem if nothing could be, the supplier it names)."""
    setting = assistant_setting(NAME)
    if not setting["enabled"]:
        return {}, _("Invoice reading is switched off in the policy; enter the invoice."), None
    try:
        reading, _extension = document_read(data)
    except ApplicationError as exc:
        return {}, exc.text()[:300], None
    supplier = cross_check(reading, actor=SYSTEM, scope=None)
    return (
        {
            "fields": reading.fields,
            "confidence": reading.confidence,
            "findings": reading.findings,
            "model": MODEL,
            "source": reading.source,
            "threshold": setting["threshold"],
        },
        "",
        supplier,
    )


def draft_from_mail(
    *, message: MailMessage, name: str, data: bytes, supplier: Supplier | None
) -> ReadingDraft:
    """A mailed PDF without e-invoice data into the review list (called by the intake, in
    the mail's transaction): stored at once and read by a worker once the mail is committed
    (reading a scan takes seconds, which the mail's transaction does not wait for)."""
    draft = ReadingDraft.objects.create(
        mail=message,
        supplier=supplier,
        file=default_storage.save(f"mail/drafts/{uuid.uuid4().hex}.pdf", ContentFile(data)),
        file_name=name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
    )
    event_record(
        actor=SYSTEM,
        action="reading_draft.created",
        subject_type="reading_draft",
        subject_id=draft.pk,
        after={"status": draft.status, "mail": str(message.pk), "sha256": draft.sha256},
    )
    send_on_commit(READ_TASK, str(draft.pk))
    return draft


def reading_draft_read(draft_id: Any) -> ReadingDraft | None:
    """The worker's step: read the draft's file into the fields of an invoice, with the
    supplier it names where the sender named none; once (a draft already read, or decided,
    is left as it is). None when the draft is gone."""
    draft = ReadingDraft.objects.filter(pk=draft_id).first()
    if draft is None or draft.reading or draft.problem:
        return draft
    with default_storage.open(draft.file, "rb") as handle:
        data = handle.read()
    reading, problem, named = _read(data)  # outside the transaction: OCR takes seconds
    with transaction.atomic():
        draft = ReadingDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.reading or draft.problem or draft.status != ReadingDraft.Status.REVIEW:
            return draft
        draft.reading, draft.problem = reading, problem or ""
        draft.supplier = draft.supplier or named
        if reading:
            confidence = reading["confidence"]
            draft.advice = advice_record(
                assistant=NAME,
                model_version=MODEL,
                inputs={"sha256": draft.sha256},
                output=reading,
                confidence=min(
                    confidence.get(k, 0) for k in ("invoice_number", "invoice_date", "total")
                ),
                shown_to=None,
                subject_type="reading_draft",
                subject_id=str(draft.pk),
            )
        draft.save(update_fields=["reading", "problem", "supplier", "advice"])
    return draft


def _locked(draft_id: Any) -> ReadingDraft:
    draft = ReadingDraft.objects.select_for_update().filter(pk=draft_id).first()
    if draft is None:
        raise NotFound()
    return draft


@transaction.atomic
def reading_draft_file(*, actor: User, draft_id: Any, form: dict[str, Any]) -> Invoice:
    """AP files the draft as the invoice it confirmed on the form: received through the
    intake's own service with the mailed PDF as its original."""
    require(actor, "accounts.process_invoices")
    draft = _locked(draft_id)
    if draft.status != ReadingDraft.Status.REVIEW:
        move_status(draft, ReadingDraft.Status.FILED, noun=_("draft"))  # refuses
    data = entered_invoice(form)
    data["supplier"] = form.get("supplier") or (str(draft.supplier_id) if draft.supplier_id else "")
    if not data["supplier"]:
        raise ValidationFailed(errors={"supplier": [_("Choose a supplier.")]})
    data["channel"] = Invoice.Channel.EMAIL
    with default_storage.open(draft.file, "rb") as handle:
        data["original"] = (
            handle.read(),
            draft.file_name or "invoice.pdf",
            "application/pdf",
            "pdf",
        )
    invoice = invoice_create(actor=actor, data=data)
    move_status(draft, ReadingDraft.Status.FILED, noun=_("draft"))
    draft.invoice, draft.decided_by, draft.decided_at = invoice, actor, timezone.now()
    draft.save(update_fields=["status", "invoice", "decided_by", "decided_at"])
    if draft.advice_id:
        outcome_record(Advice.objects.get(pk=draft.advice_id), actor, form)
    event_record(
        actor=actor,
        action="reading_draft.filed",
        subject_type="reading_draft",
        subject_id=draft.pk,
        before={"status": ReadingDraft.Status.REVIEW},
        after={"status": draft.status, "invoice": str(invoice.pk)},
    )
    return invoice


@transaction.atomic
def reading_draft_discard(*, actor: User, draft_id: Any, reason: str) -> ReadingDraft:
    require(actor, "accounts.process_invoices")
    if not (reason or "").strip():
        raise ValidationFailed(errors={"reason": [_("Say why; auditors read it.")]})
    draft = _locked(draft_id)
    move_status(draft, ReadingDraft.Status.DISCARDED, noun=_("draft"))
    draft.decided_by, draft.decided_at = actor, timezone.now()
    draft.decision_note = reason.strip()[:500]
    draft.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event_record(
        actor=actor,
        action="reading_draft.discarded",
        subject_type="reading_draft",
        subject_id=draft.pk,
        before={"status": ReadingDraft.Status.REVIEW},
        after={"status": draft.status},
        data={"reason": draft.decision_note},
    )
    return draft
