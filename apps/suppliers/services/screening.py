"""Compliance's side of vetting: deciding screening hits, blocking a supplier, and reopening a
rejected or blocked one for onboarding."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_cancel

from ..models import ScreeningHit, Supplier
from .access import locked
from .checks import supplier_checks_run
from .notices import buyers_of, notify, supplier_payload
from .transitions import supplier_transition


@transaction.atomic
def screening_hit_resolve(*, actor: User, hit_id: Any, decision: str, reason: str) -> ScreeningHit:
    """A compliance decision on a hit: a true match blocks the supplier; a false positive is
    cleared with its reason."""
    require(actor, "accounts.review_screening")
    hit = ScreeningHit.objects.select_for_update().filter(pk=hit_id).first()
    if hit is None:
        raise NotFound()
    if decision not in (ScreeningHit.Status.TRUE_MATCH, ScreeningHit.Status.FALSE_POSITIVE):
        raise ValidationFailed(errors={"decision": [_("Choose true_match or false_positive.")]})
    if not (reason or "").strip():
        raise ValidationFailed(errors={"reason": [_("Say why; auditors read it.")]})
    if hit.status != ScreeningHit.Status.OPEN:
        raise InvalidTransition(_("This hit was already reviewed."))
    move_status(hit, decision, noun=_("screening hit"))
    hit.reason = reason.strip()
    hit.reviewed_by, hit.reviewed_at = actor, timezone.now()
    hit.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    supplier = locked(hit.supplier_id)
    event_record(
        actor=actor,
        action=f"supplier.screening_{decision}",
        subject_type="supplier",
        subject_id=supplier.pk,
        data={
            "hit": hit.pk,
            "entry": hit.entry_uid,
            "entry_name": hit.entry_name,
            "matched_name": hit.matched_name,
            "score": hit.score,
            "list_sha256": hit.list_sha256,
            "reason": hit.reason,
        },
    )
    if decision == ScreeningHit.Status.TRUE_MATCH:
        supplier_block(actor=actor, supplier=supplier, reason=_("sanctions match confirmed"))
    supplier_checks_run(supplier_id=supplier.pk, actor=actor)
    return hit


def supplier_block(*, actor: Any, supplier: Supplier, reason: str) -> None:
    """Compliance blocks a supplier: its onboarding route is cancelled and its buyers told."""
    require(actor, "accounts.review_screening")
    if supplier.status == Supplier.Status.BLOCKED:
        return
    was = supplier.status
    supplier_transition(supplier, Supplier.Status.BLOCKED)
    supplier.decided_at = timezone.now()
    supplier.save(update_fields=["status", "compliance", "decided_at"])
    route = ApprovalRoute.objects.filter(
        subject_type="supplier", subject_id=str(supplier.pk), status=ApprovalRoute.Status.PENDING
    ).first()
    if route is not None:
        route_cancel(actor=actor, route=route, reason=reason)
    event_record(
        actor=actor,
        action="supplier.blocked",
        subject_type="supplier",
        subject_id=supplier.pk,
        before={"status": was},
        data={"reason": reason},
        payload=supplier_payload(supplier, reason=reason),
    )
    notify(
        buyers_of(supplier),
        kind="supplier.blocked",
        message=lambda: _("%(s)s was blocked: %(why)s") % {"s": supplier.name, "why": reason},
        supplier=supplier,
    )


@transaction.atomic
def supplier_reopen(*, actor: User, supplier_id: Any, reason: str) -> Supplier:
    """Send a rejected or blocked supplier back to onboarding to correct and resubmit. A block
    is lifted only by compliance."""
    supplier = Supplier.objects.select_for_update().filter(pk=supplier_id).first()
    if supplier is None:
        raise NotFound()
    needed = (
        "accounts.review_screening"
        if supplier.status == Supplier.Status.BLOCKED
        else "accounts.manage_suppliers"
    )
    require(actor, needed)
    if not (reason or "").strip():
        raise ValidationFailed(errors={"reason": [_("Say why the supplier may try again.")]})
    was = supplier.status
    supplier_transition(supplier, Supplier.Status.ONBOARDING)
    supplier.save(update_fields=["status", "compliance"])
    event_record(
        actor=actor,
        action="supplier.reopened",
        subject_type="supplier",
        subject_id=supplier.pk,
        before={"status": was},
        data={"reason": reason.strip()},
        payload=supplier_payload(supplier, reason=reason.strip()),
    )
    return supplier
