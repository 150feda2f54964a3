"""Dead letters of inbound ERP events, worked by tenant admins (audited): applied again once
the cause is fixed, or discarded with a reason."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record

from ..erp.inbound import apply_again
from ..erp.reconcile import reconcile
from ..models import InboundEvent, ReconciliationRun


def _locked(event_id: Any) -> InboundEvent:
    event = (
        InboundEvent.objects.select_for_update(of=("self",))
        .select_related("connection")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound()
    if event.status != InboundEvent.Status.FAILED:
        raise InvalidTransition(_("This event is %s.") % event.get_status_display().lower())
    return event


@transaction.atomic
def inbound_event_reapply(*, actor: User, event_id: Any, portal: dict[str, str]) -> InboundEvent:
    """Apply a dead letter again; it stays a dead letter (with the new reason) if it still
    cannot be applied."""
    require(actor, "accounts.manage_webhooks")
    event = _locked(event_id)
    before = event.reason
    apply_again(event, portal)
    event_record(
        actor=actor,
        action="erp_event.reapplied",
        subject_type="erp_event",
        subject_id=event.pk,
        before={"reason": before},
        after={"status": event.status, "reason": event.reason},
        data={"type": event.event_type, "webhook_id": event.message_id},
    )
    return event


@transaction.atomic
def inbound_event_discard(*, actor: User, event_id: Any, reason: str) -> InboundEvent:
    """Give up on a dead letter, saying why (the ERP will be corrected instead, say)."""
    require(actor, "accounts.manage_webhooks")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": [_("Say why; auditors read it.")]})
    event = _locked(event_id)
    move_status(event, InboundEvent.Status.DISCARDED, noun=_("ERP event"))
    event.reason = reason[:500]
    event.save(update_fields=["status", "reason"])
    event_record(
        actor=actor,
        action="erp_event.discarded",
        subject_type="erp_event",
        subject_id=event.pk,
        data={"type": event.event_type, "webhook_id": event.message_id, "reason": reason},
    )
    return event


def erp_reconcile_now(*, actor: User) -> ReconciliationRun:
    """The daily reconciliation, run now by a tenant admin (after fixing a cause, say)."""
    require(actor, "accounts.manage_webhooks")
    run = reconcile()
    if run is None:
        raise InvalidTransition(_("No ERP is connected: there is nothing to reconcile with."))
    return run
