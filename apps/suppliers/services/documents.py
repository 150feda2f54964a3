"""Supplier documents: uploads checked by content, kept per tenant, audited; checks follow."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import (
    InvalidTransition,
    ValidationFailed,
)
from apps.controls.transitions import move_status_where
from apps.events.services import event_record

from ..models import (
    DOCUMENT_TYPES,
    Supplier,
    SupplierDocument,
)
from ..uploads import inspect_upload
from .access import locked_for
from .checks import checks_later


def _document_errors(doc_type: str, issued_on: Any, expires_on: Any) -> dict[str, list[str]]:
    """A known document type, and dates that make it current."""
    errors: dict[str, list[str]] = {}
    if doc_type not in dict(DOCUMENT_TYPES):
        errors["doc_type"] = [
            _("Choose one of: %s.") % ", ".join(code for code, _label in DOCUMENT_TYPES)
        ]
    if issued_on and expires_on and expires_on <= issued_on:
        errors["expires_on"] = [_("The expiry date comes after the issue date.")]
    if expires_on and expires_on <= timezone.localdate():
        errors["expires_on"] = [_("This document has already expired; upload a current one.")]
    return errors


def _versions_supersede(supplier: Supplier, doc_type: str) -> tuple[int, list[str]]:
    """The next version number of the type, and the current versions it supersedes (they are
    kept, marked superseded)."""
    previous = SupplierDocument.objects.filter(supplier=supplier, doc_type=doc_type).exclude(
        status=SupplierDocument.Status.SUPERSEDED
    )
    version = (
        SupplierDocument.objects.filter(supplier=supplier, doc_type=doc_type).aggregate(
            v=Max("version")
        )["v"]
        or 0
    ) + 1
    replaced = [str(d.pk) for d in previous]
    move_status_where(previous, SupplierDocument.Status.SUPERSEDED)
    return version, replaced


@transaction.atomic
def document_upload(
    *,
    actor: User,
    supplier_id: Any,
    doc_type: str,
    upload: Any,
    issued_on: Any = None,
    expires_on: Any = None,
) -> SupplierDocument:
    """Store a checked file as the new current version of its type (a renewal supersedes the
    previous version, which is kept)."""
    supplier = locked_for(actor, supplier_id)
    if errors := _document_errors(doc_type, issued_on, expires_on):
        raise ValidationFailed(errors=errors)
    if supplier.status in (Supplier.Status.BLOCKED, Supplier.Status.REJECTED):
        raise InvalidTransition(_("This supplier is %s.") % supplier.get_status_display().lower())
    inspected = inspect_upload(upload)  # refuses before anything is stored
    version, replaced = _versions_supersede(supplier, doc_type)
    document = SupplierDocument(
        supplier=supplier,
        doc_type=doc_type,
        version=version,
        original_name=inspected.original_name,
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_by=actor,
    )
    document.file.save(inspected.content.name or "document", inspected.content, save=False)
    document.save()
    event_record(
        actor=actor,
        action="supplier.document_uploaded",
        subject_type="supplier",
        subject_id=supplier.pk,
        after={
            "document": str(document.pk),
            "doc_type": doc_type,
            "version": version,
            "sha256": inspected.sha256,
            "size": inspected.size,
            "content_type": inspected.content_type,
            "name": inspected.original_name,
            "issued_on": issued_on,
            "expires_on": expires_on,
            "supersedes": replaced,
        },
    )
    checks_later(supplier.pk)
    return document
