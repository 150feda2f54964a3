"""Purchase orders: issued from an approved requisition, acknowledged by the supplier."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import (
    InvalidTransition,
    NotFound,
)
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.organization.services import (
    budget_actualize,
)
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_published

from ..models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Requisition,
)
from .numbers import next_number
from .requisition_steps import refuse_unselectable_supplier


def _approving_policy(requisition: Requisition) -> dict[str, Any]:
    """The policy document of the version that approved the requisition (every published
    version is kept), else the published one."""
    number = requisition.policy_version[1:]
    if number.isdigit():
        found = PolicyVersion.objects.filter(number=int(number)).first()
        if found is not None:
            return validate_document(found.document)
    return validate_document(policy_published().document)


def purchase_order_issue(*, requisition: Requisition, buyer: User | None = None) -> PurchaseOrder:
    """Issue the order of an approved requisition: numbered per legal entity, lines copied,
    the budget commitment becomes actual spend. `buyer` is the buyer who chose the supplier,
    where one did. An order goes only to a selectable supplier under the policy version that
    approved the requisition (a supplier blocked or flagged since submission is refused
    `409 supplier_not_selectable`, and the approval that would issue it waits)."""
    refuse_unselectable_supplier(requisition.supplier, _approving_policy(requisition))
    entity = requisition.legal_entity
    order = PurchaseOrder.objects.create(
        buyer=buyer,
        number=next_number(f"purchase_order:{entity.code}", f"PO-{entity.code}-"),
        requisition=requisition,
        supplier=requisition.supplier,
        legal_entity=entity,
        currency=requisition.currency,
        total=requisition.total,
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=order,
            line_no=line.line_no,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            catalog_item_id=line.catalog_item_id,
        )
        for line in requisition.lines.all()
    )
    if requisition.budget is not None and requisition.budget_committed:
        budget_actualize(budget=requisition.budget, amount=requisition.budget_committed)
    move_status(requisition, Requisition.Status.ORDERED, noun=_("requisition"))
    requisition.save(update_fields=["status"])
    summary = {
        "number": order.number,
        "requisition": requisition.number,
        "total": order.total,
        "currency": order.currency,
    }
    event_record(
        actor="system:procurement",
        action="purchase_order.issued",
        subject_type="purchase_order",
        subject_id=order.pk,
        policy_version=requisition.policy_version,
        after=summary,
        payload={
            "id": order.pk,
            **summary,
            "supplier": order.supplier_id,
            "legal_entity": entity.code,
        },
    )
    return order


@transaction.atomic
def purchase_order_acknowledge(*, actor: User, order_id: Any) -> PurchaseOrder:
    """The supplier confirms it received and accepts the order (supplier portal)."""
    from apps.suppliers.services.access import may_act_for

    order = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .filter(pk=order_id)
        .first()
    )
    if order is None or order.supplier is None or not may_act_for(actor, order.supplier):
        raise NotFound()
    require(actor, "accounts.use_supplier_portal")
    if order.status == PurchaseOrder.Status.CANCELLED:
        raise InvalidTransition(_("This order was cancelled."))
    if order.acknowledged_at is not None:
        raise InvalidTransition(_("This order was already acknowledged."))
    order.acknowledged_at, order.acknowledged_by = timezone.now(), actor
    order.save(update_fields=["acknowledged_at", "acknowledged_by"])
    event_record(
        actor=actor,
        action="purchase_order.acknowledged",
        subject_type="purchase_order",
        subject_id=order.pk,
        after={"number": order.number, "supplier": order.supplier.name},
        payload={
            "id": order.pk,
            "number": order.number,
            "supplier": order.supplier_id,
            "acknowledged_by": actor.email,
        },
    )
    return order
