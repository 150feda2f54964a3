"""Placing and releasing legal holds: compliance only, each audited. A hold keeps its subject
from the purge whatever its retention period (apps/retention/selectors.py reads them)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.invoices.models import Invoice
from apps.organization.models import LegalEntity
from apps.suppliers.models import Supplier

from ..models import LegalHold
from ..roles import MANAGE_LEGAL_HOLDS

_WHO = _("Only compliance places and releases legal holds.")


def _subject(
    scope: str,
    supplier: str | None,
    invoice: str | None,
    period_from: date | None,
    period_to: date | None,
    legal_entity: str | None,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    found: dict[str, Any] = {}
    if scope == LegalHold.Scope.SUPPLIER:
        held = (
            Supplier.objects.filter(pk=supplier).first() if supplier and _uuid(supplier) else None
        )
        if held is None:
            errors["supplier"] = [_("Name a supplier of this tenant.")]
        else:
            found = {"supplier": held, "subject_label": held.name}
    elif scope == LegalHold.Scope.INVOICE:
        kept = Invoice.objects.filter(pk=invoice).first() if invoice and _uuid(invoice) else None
        if kept is None:
            errors["invoice"] = [_("Name an invoice of this tenant.")]
        else:
            found = {"invoice": kept, "subject_label": kept.invoice_number}
    elif scope == LegalHold.Scope.PERIOD:
        if period_from is None or period_to is None:
            errors["period_from"] = [_("A period hold needs its first and last day.")]
        elif period_to < period_from:
            errors["period_to"] = [_("The period ends before it starts.")]
        entity = None
        if legal_entity:
            entity = LegalEntity.objects.filter(code=legal_entity).first()
            if entity is None:
                errors["legal_entity"] = [_("No legal entity has this code.")]
        found = {
            "period_from": period_from,
            "period_to": period_to,
            "legal_entity": entity,
            "subject_label": f"{period_from} to {period_to}"
            + (f" ({entity.code})" if entity else ""),
        }
    else:
        errors["scope"] = [_("A hold is on a supplier, an invoice or a period.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return found


def _uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@transaction.atomic
def legal_hold_place(
    *,
    actor: User | str,
    scope: str,
    reason: str,
    supplier: str | None = None,
    invoice: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    legal_entity: str | None = None,
) -> LegalHold:
    """Keep a supplier, an invoice or a period from the purge until the hold is released."""
    require(actor, MANAGE_LEGAL_HOLDS, detail=_WHO)
    if not reason.strip():
        raise ValidationFailed(errors={"reason": [_("Say why the records are held.")]})
    subject = _subject(scope, supplier, invoice, period_from, period_to, legal_entity)
    hold = LegalHold.objects.create(
        scope=scope,
        reason=reason.strip(),
        placed_by=actor if isinstance(actor, User) else None,
        **subject,
    )
    event_record(
        actor=actor,
        action="legal_hold.placed",
        subject_type="legal_hold",
        subject_id=hold.pk,
        after={
            "scope": scope,
            "supplier": str(hold.supplier_id) if hold.supplier_id else None,
            "invoice": str(hold.invoice_id) if hold.invoice_id else None,
            "period_from": str(period_from) if period_from else None,
            "period_to": str(period_to) if period_to else None,
            "legal_entity": legal_entity or None,
            "reason": hold.reason,
        },
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor: User | str, hold_id: int, reason: str = "") -> LegalHold:
    """End a hold: what it kept is purged by the next run once its period has passed."""
    require(actor, MANAGE_LEGAL_HOLDS, detail=_WHO)
    hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        raise NotFound(_("No legal hold has this id."))
    move_status(hold, LegalHold.Status.RELEASED, noun=_("legal hold"))
    hold.released_by = actor if isinstance(actor, User) else None
    hold.released_at = timezone.now()
    hold.release_reason = reason.strip()
    hold.save(update_fields=["status", "released_by", "released_at", "release_reason"])
    event_record(
        actor=actor,
        action="legal_hold.released",
        subject_type="legal_hold",
        subject_id=hold.pk,
        before={"status": LegalHold.Status.ACTIVE},
        after={"status": hold.status, "reason": hold.release_reason},
    )
    return hold
