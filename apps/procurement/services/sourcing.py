"""Choosing the supplier of an approved requisition that named none, and asking the policy
again with it."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.services.spend import contract_commit, contract_locked
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, PermissionRefused, ValidationFailed
from apps.organization.fx import convert
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.routing import RouteContext, RoutePlan, plan_route
from apps.suppliers.models import Supplier
from apps.workflow.services import route_start

from ..models import Requisition
from ..selectors import (
    requisition_contract_available,
    requisition_contract_fails,
    requisition_route_inputs,
)
from .orders import purchase_order_issue
from .requisition_steps import (
    announce,
    locked,
    refuse_unselectable_supplier,
    transition,
)


def _submitted_facts(requisition: Requisition) -> dict[str, Any] | None:
    """The facts the policy read when the requisition was last submitted (its audit record)."""
    from apps.audit.selectors import audit_events

    event = (
        audit_events(subject_type="requisition", subject_id=str(requisition.pk))
        .filter(action="requisition.submitted")
        .first()
    )
    return (event.data or {}).get("facts") if event is not None else None


def _supplier_facts(supplier: Supplier) -> dict[str, Any]:
    return {
        "present": True,
        "risk": supplier.risk_tier,
        "status": supplier.status,
        "compliant": supplier.compliance == Supplier.Compliance.COMPLIANT,
    }


def _buy_on_contract(requisition: Requisition) -> None:
    """Where an active contract with the chosen supplier covers the requisition, it is bought
    under that contract (linked, its value committed) when the value fits; otherwise it is
    bought around the contract and counted as maverick spend."""
    on = requisition.need_by or timezone.localdate()
    found = requisition_contract_available(requisition, on=on)
    if found is None:
        return
    contract = contract_locked(found.pk)
    amount, _rate = convert(
        requisition.total,
        base=requisition.currency,
        quote=contract.currency,
        on=timezone.localdate(),
    )
    failed = requisition_contract_fails(requisition, contract, on=on, amount=amount)
    if failed is None:
        contract_commit(contract=contract, amount=amount)
        requisition.contract, requisition.contract_committed = contract, amount
        requisition.on_contract, requisition.maverick = True, False
    else:
        requisition.maverick = True
    requisition.save(update_fields=["contract", "contract_committed", "on_contract", "maverick"])


@transaction.atomic
def requisition_source(*, actor: User, requisition_id: Any, supplier_id: Any) -> Requisition:
    """A buyer chooses the supplier of an approved requisition that named none, and the order
    is issued. The policy is asked again with that supplier, under the version that approved
    the requisition and the facts it read then: where the supplier changes the route (a
    high-risk supplier needing compliance, say), the requisition goes back for approval on the
    new route instead of getting an order its approvers never saw. The requester never
    chooses the supplier of their own approved requisition, and only a selectable supplier
    (approved, no open sanctions hit, compliant: `supplier_not_selectable`) is chosen."""
    require(actor, "accounts.manage_purchase_orders")
    requisition = _awaiting_supplier(actor, requisition_id)
    supplier = _supplier_named(supplier_id)
    # the version that approved it: every published version is kept
    version = PolicyVersion.objects.get(number=int(requisition.policy_version[1:]))
    document = validate_document(version.document)
    # a buyer's choice goes to a supplier onboarding and screening have cleared
    refuse_unselectable_supplier(supplier, document)
    approved_on, plan = _routes_before_and_with(requisition, version, supplier)
    requisition.supplier = supplier
    requisition.save(update_fields=["supplier"])
    _buy_on_contract(requisition)
    rerouted = not plan.auto_approved and plan.signature() != approved_on.signature()
    announce(
        requisition,
        actor=actor,
        verb="sourced",
        before={"supplier": None},
        after={"supplier": supplier.name},
        data={"supplier": str(supplier.pk), "rerouted": rerouted, "route": plan.as_dict()},
        payload={"supplier": str(supplier.pk)},
    )
    if not rerouted:
        purchase_order_issue(requisition=requisition, buyer=actor)
        return requisition
    transition(requisition, Requisition.Status.PENDING_APPROVAL)
    requisition.decided_at = None
    requisition.save(update_fields=["status", "decided_at"])
    route_start(
        subject_type="requisition",
        subject_id=requisition.pk,
        requester=requisition.requester,
        plan=plan,
        sod=document["sod"],
        settings=document["settings"],
    )
    return requisition


def _awaiting_supplier(actor: User, requisition_id: Any) -> Requisition:
    """The requisition, locked, if it waits for a supplier and this buyer may choose it."""
    requisition = locked(requisition_id, actor)
    if requisition.status != Requisition.Status.APPROVED or requisition.supplier_id is not None:
        raise InvalidTransition(
            _("%s is not waiting for a supplier: only an approved requisition without one is.")
            % requisition.number
        )
    if requisition.requester_id == actor.pk:
        raise PermissionRefused(
            _("Another buyer chooses the supplier of a requisition you requested yourself.")
        )
    return requisition


def _supplier_named(supplier_id: Any) -> Supplier:
    if not supplier_id:
        raise ValidationFailed(errors={"supplier": [_("Choose a supplier.")]})
    try:
        supplier = Supplier.objects.filter(pk=uuid.UUID(str(supplier_id))).first()
    except ValueError:
        supplier = None
    if supplier is None:
        raise ValidationFailed(errors={"supplier": [_("Unknown supplier.")]})
    return supplier


def _routes_before_and_with(
    requisition: Requisition, version: PolicyVersion, supplier: Supplier
) -> tuple[RoutePlan, RoutePlan]:
    """The route the approving version gave on the facts read at submission, and the route it
    gives on the same facts with the chosen supplier."""
    facts = _submitted_facts(requisition)
    if facts is None:
        facts = requisition_route_inputs(requisition, on=timezone.localdate()).facts
    context = RouteContext(
        requester=requisition.requester,
        cost_center_manager=requisition.cost_center.manager,
        amount=requisition.entity_total or requisition.total,
        currency=requisition.legal_entity.currency,
    )
    approved_on = plan_route(version=version, facts=facts, context=context)
    facts = {**facts, "supplier": _supplier_facts(supplier)}
    return approved_on, plan_route(version=version, facts=facts, context=context)
