"""The onboarding route's decision, back from workflow (registered in SuppliersConfig.ready)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.controls.refusals import InvalidTransition
from apps.events.services import event_record
from apps.workflow.models import ApprovalRoute

from ..models import Supplier
from .access import locked
from .checks import checks_later
from .notices import supplier_payload
from .transitions import supplier_transition


def supplier_route_approved(route: ApprovalRoute, actor: User) -> None:
    supplier = locked(route.subject_id)
    if supplier.screening == Supplier.Screening.POTENTIAL_MATCH:
        raise InvalidTransition(
            _("A sanctions screening hit awaits review; compliance decides it first.")
        )
    supplier_transition(supplier, Supplier.Status.APPROVED)
    supplier.decided_at = timezone.now()
    supplier.save(update_fields=["status", "compliance", "decided_at"])
    event_record(
        actor=actor,
        action="supplier.approved",
        subject_type="supplier",
        subject_id=supplier.pk,
        policy_version=route.policy_version,
        data={"rule": route.rule_id, "risk_tier": supplier.risk_tier},
        payload=supplier_payload(supplier, policy_version=route.policy_version),
    )
    checks_later(supplier.pk)  # compliance is tracked from approval on
    _tell_supplier(
        supplier,
        lambda: _("You are an approved supplier"),
        lambda: (
            _("%(s)s is approved. Purchase orders will appear in the supplier portal.")
            % {"s": supplier.name}
        ),
    )


def supplier_route_rejected(route: ApprovalRoute, actor: User, comment: str) -> None:
    supplier = locked(route.subject_id)
    supplier_transition(supplier, Supplier.Status.REJECTED)
    supplier.decided_at = timezone.now()
    supplier.save(update_fields=["status", "compliance", "decided_at"])
    event_record(
        actor=actor,
        action="supplier.rejected",
        subject_type="supplier",
        subject_id=supplier.pk,
        policy_version=route.policy_version,
        data={"comment": comment},
        payload=supplier_payload(supplier, comment=comment),
    )
    _tell_supplier(
        supplier,
        lambda: _("Your supplier onboarding was not approved"),
        lambda: _("%(s)s was not approved: %(why)s") % {"s": supplier.name, "why": comment},
    )


def _tell_supplier(
    supplier: Supplier, compose_subject: Callable[[], str], compose_message: Callable[[], str]
) -> None:
    """The supplier's inbox reads the organisation's language (suppliers choose none)."""
    if supplier.email:
        with in_language_of(None):
            subject, message = compose_subject(), compose_message()
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=message, from_email=None, recipient_list=[supplier.email]
            )
        )
