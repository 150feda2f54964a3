"""Document expiry: renewal alerts 30, 14 and 7 days ahead (the policy's days), each once,
and non-compliance on expiry. Run daily by Celery beat in every tenant."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.controls.transitions import move_status
from apps.events.services import event_record

from ..models import DocumentAlert, Supplier, SupplierDocument
from ..rules import supplier_policy
from .checks import supplier_checks_run
from .notices import buyers_of, notify


def document_renewal_alerts(*, today: date | None = None) -> dict[str, int]:
    """Send what is due today. A document already past a threshold when it was uploaded gets
    only the nearest alert; the ones it skipped are recorded as not sent. Running again the
    same day (or any later day) sends nothing twice: each (document, threshold) is a row."""
    today = today or timezone.localdate()
    section = supplier_policy().section
    thresholds: list[int] = section["renewal_alert_days"]
    counts = {"alerts": 0, "expired": 0}
    horizon = today.toordinal() + max(thresholds)
    documents = list(
        SupplierDocument.objects.filter(
            status=SupplierDocument.Status.CURRENT,
            expires_on__isnull=False,
            expires_on__lte=date.fromordinal(horizon),
        ).select_related("supplier")
    )
    for document in documents:
        assert document.expires_on is not None
        days_left = (document.expires_on - today).days
        if days_left <= 0:
            if _expire(document, today):
                counts["expired"] += 1
            continue
        due = [t for t in thresholds if days_left <= t]
        if not due:
            continue
        nearest = min(due)
        if _alert(document, nearest, due, days_left):
            counts["alerts"] += 1
    return counts


def _day(day: date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


@transaction.atomic
def _alert(document: SupplierDocument, nearest: int, due: list[int], days_left: int) -> bool:
    try:
        with transaction.atomic():
            DocumentAlert.objects.create(document=document, days_before=nearest, sent=True)
    except IntegrityError:
        return False  # already sent
    for skipped in due:
        if skipped != nearest:
            DocumentAlert.objects.get_or_create(
                document=document, days_before=skipped, defaults={"sent": False}
            )
    supplier = document.supplier
    payload: dict[str, Any] = {
        "supplier": supplier.name,
        "document": str(document.pk),
        "doc_type": document.doc_type,
        "expires_on": document.expires_on,
        "days_left": days_left,
    }
    event_record(
        actor="system:renewals",
        action="supplier.document_expiring",
        subject_type="supplier",
        subject_id=supplier.pk,
        data={**payload, "alert": nearest},
        payload={
            "id": supplier.pk,
            "name": supplier.name,
            **{k: v for k, v in payload.items() if k != "supplier"},
        },
    )
    notify(
        buyers_of(supplier),
        kind="supplier.document_expiring",
        message=lambda: (
            _("%(s)s: %(doc)s expires on %(d)s (%(n)d days).")
            % {
                "s": supplier.name,
                "doc": document.get_doc_type_display(),
                "d": _day(document.expires_on),
                "n": days_left,
            }
        ),
        supplier=supplier,
    )
    recipients = [supplier.email] if supplier.email else []
    if recipients:
        with in_language_of(None):  # a supplier's inbox reads the organisation's language
            kind = document.get_doc_type_display()
            subject = _("Your %(doc)s expires in %(n)d days") % {"doc": kind, "n": days_left}
            message = _(
                "Your %(doc)s on file expires on %(d)s. Upload the renewed document in the "
                "supplier portal so orders and payments are not held."
            ) % {"doc": kind, "d": document.expires_on}
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=message, from_email=None, recipient_list=recipients
            )
        )
    return True


@transaction.atomic
def _expire(document: SupplierDocument, today: date) -> bool:
    document = SupplierDocument.objects.select_for_update().get(pk=document.pk)
    if document.status != SupplierDocument.Status.CURRENT:
        return False
    move_status(document, SupplierDocument.Status.EXPIRED, noun=_("document"))
    document.save(update_fields=["status"])
    DocumentAlert.objects.get_or_create(document=document, days_before=0)
    supplier = document.supplier
    event_record(
        actor="system:renewals",
        action="supplier.document_expired",
        subject_type="supplier",
        subject_id=supplier.pk,
        data={
            "document": str(document.pk),
            "doc_type": document.doc_type,
            "expired_on": document.expires_on,
        },
    )
    supplier = supplier_checks_run(supplier_id=supplier.pk, actor="system:renewals")
    if (
        supplier.status == Supplier.Status.APPROVED
        and document.doc_type in supplier.required_documents
        and supplier.compliance == Supplier.Compliance.NON_COMPLIANT
    ):
        notify(
            buyers_of(supplier),
            kind="supplier.non_compliant",
            message=lambda: (
                _("%(s)s is non-compliant: %(doc)s expired.")
                % {"s": supplier.name, "doc": document.get_doc_type_display()}
            ),
            supplier=supplier,
        )
    return True
