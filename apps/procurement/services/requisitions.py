"""Writes on requisitions: drafting, submission under the published policy, withdrawal,
cancellation, and the approval route's outcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.services.spend import (
    ContractNotApplicable,
    contract_commit,
    contract_locked,
    contract_release,
)
from apps.controls.guards import require
from apps.controls.refusals import (
    InvalidTransition,
    PermissionRefused,
    ValidationFailed,
)
from apps.events.services import event_record
from apps.organization.services import (
    BudgetExceeded,
    budget_commit,
    budget_for,
    budget_release,
)
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.routing import RoutePlan, plan_route
from apps.policies.selectors import policy_published
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_cancel, route_start

from ..models import (
    Requisition,
)
from ..selectors import (
    HeldRows,
    RouteInputs,
    requisition_contract_fails,
    requisition_route_inputs,
)
from ..usage import requisition_create_guard
from .numbers import next_number
from .orders import purchase_order_issue
from .requisition_steps import (
    announce,
    apply_catalog,
    clean_lines,
    locked,
    refuse_overflow,
    refuse_unselectable_supplier,
    resolve_header,
    snapshot,
    transition,
    write_lines,
)


@transaction.atomic
def requisition_create(*, actor: User, data: dict[str, Any]) -> Requisition:
    require(actor, "accounts.submit_requisition")
    requisition_create_guard()
    errors: dict[str, list[str]] = {}
    for field in ("title", "cost_center", "spend_category", "legal_entity", "currency"):
        if not data.get(field):
            errors[field] = [_("This field is required.")]
    header = resolve_header(data, errors, actor)
    lines = clean_lines(data.get("lines"), errors)
    apply_catalog(header, lines, errors, contract=None, today=timezone.localdate())
    refuse_overflow(lines, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    requisition = Requisition(requester=actor, number=next_number("requisition", "REQ-"), **header)
    refuse_contract_not_applicable(requisition)
    requisition.save()
    write_lines(requisition, lines)
    requisition.save(update_fields=["total"])
    event_record(
        actor=actor,
        action="requisition.created",
        subject_type="requisition",
        subject_id=requisition.pk,
        after=snapshot(requisition),
    )
    return requisition


def refuse_contract_not_applicable(requisition: Requisition) -> None:
    """A linked contract must bind this supplier and legal entity, cover the category and be
    active on the need-by date; its value is checked at submission, under its lock."""
    if requisition.contract is None:
        return
    on = requisition.need_by or timezone.localdate()
    failed = requisition_contract_fails(requisition, requisition.contract, on=on, amount=None)
    if failed is not None:
        raise ContractNotApplicable(failed.detail, condition=failed.condition)


def _require_requester(actor: User, requisition: Requisition) -> None:
    if requisition.requester_id != actor.pk:
        raise PermissionRefused(_("Only the requester may do this."))
    require(actor, "accounts.submit_requisition")


@transaction.atomic
def requisition_update(*, actor: User, requisition_id: Any, data: dict[str, Any]) -> Requisition:
    """Change a draft. After submission a requisition cannot be edited: withdraw it first."""
    requisition = locked(requisition_id, actor)
    _require_requester(actor, requisition)
    if requisition.status != Requisition.Status.DRAFT:
        raise InvalidTransition(_("Only a draft can be changed; withdraw the requisition first."))
    errors: dict[str, list[str]] = {}
    header = resolve_header(data, errors, actor)
    lines = clean_lines(data["lines"], errors) if "lines" in data else None
    if lines is not None:
        today = timezone.localdate()
        apply_catalog(header, lines, errors, contract=requisition.contract, today=today)
        refuse_overflow(lines, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    before = snapshot(requisition)
    for field, value in header.items():
        setattr(requisition, field, value)
    refuse_contract_not_applicable(requisition)
    if lines is not None:
        write_lines(requisition, lines)
    requisition.save()
    event_record(
        actor=actor,
        action="requisition.updated",
        subject_type="requisition",
        subject_id=requisition.pk,
        before=before,
        after=snapshot(requisition),
    )
    return requisition


@transaction.atomic
def requisition_submit(*, actor: User, requisition_id: Any) -> Requisition:
    """Route by the published policy, hold the budget, and start the approvals (or approve
    at once where the policy says so). The budget row stays locked until commit, so
    concurrent submissions against one budget are decided one after the other."""
    requisition = locked(requisition_id, actor)
    _require_requester(actor, requisition)
    require(actor, "accounts.submit_requisition")
    transition(requisition, Requisition.Status.PENDING_APPROVAL)
    if requisition.total <= 0:
        raise ValidationFailed(errors={"lines": [_("A requisition must be worth more than zero.")]})
    version = policy_published()
    document = validate_document(version.document)
    refuse_unselectable_supplier(requisition.supplier, document)
    on = timezone.localdate()
    held = requisition_rows_locked(requisition, on=on)
    inputs = requisition_route_inputs(requisition, on=on, held=held)
    plan = _route_within_budget_and_contract(requisition, version, inputs)
    _hold_budget_and_contract(requisition, inputs, plan)
    requisition.policy_version = f"v{version.number}"
    requisition.submitted_at = timezone.now()
    requisition.save(
        update_fields=[
            "status",
            "entity_total",
            "fx_rate",
            "policy_version",
            "submitted_at",
            "budget",
            "budget_committed",
            "contract_committed",
            "on_contract",
            "maverick",
        ]
    )
    announce(
        requisition,
        actor=actor,
        verb="submitted",
        after=snapshot(requisition),
        data={"route": plan.as_dict(), "facts": inputs.facts},
        payload={"rule": plan.rule_id},
    )
    if plan.auto_approved:
        _approve(
            requisition,
            actor="system:policy",
            reason=_("approved automatically by rule %s") % plan.rule_id,
        )
    else:
        route_start(
            subject_type="requisition",
            subject_id=requisition.pk,
            requester=actor,
            plan=plan,
            sod=document["sod"],
            settings=document["settings"],
        )
    return requisition


def requisition_rows_locked(requisition: Requisition, *, on: date) -> HeldRows:
    """The budget covering `on` and the linked contract a submission decides on, under their
    row locks (the budget first, then the contract) until commit: the route inputs read them."""
    budget = budget_for(cost_center=requisition.cost_center, on=on, lock=True)
    contract = None
    if requisition.contract_id is not None:
        contract = contract_locked(requisition.contract_id)
    return HeldRows(budget=budget, contract=contract)


def _route_within_budget_and_contract(
    requisition: Requisition, version: PolicyVersion, inputs: RouteInputs
) -> RoutePlan:
    """The policy's route, refused where the linked contract does not apply, or where the
    policy blocks going over the contract's value or the budget."""
    failed = inputs.contract_failure
    if failed is not None and failed.condition != "value":
        raise ContractNotApplicable(failed.detail, condition=failed.condition)
    plan = plan_route(version=version, facts=inputs.facts, context=inputs.context)
    if plan.contract_action == "blocked" and failed is not None:
        raise ContractNotApplicable(failed.detail, condition=failed.condition)
    if plan.budget_action == "blocked":
        raise BudgetExceeded(
            _("Over budget: %(cc)s would be %(over)s %(cur)s short, and the policy blocks it.")
            % {
                "cc": requisition.cost_center.code,
                "over": -inputs.facts["budget"]["remaining_after"],
                "cur": inputs.budget.currency if inputs.budget else requisition.currency,
            }
        )
    return plan


def _hold_budget_and_contract(
    requisition: Requisition, inputs: RouteInputs, plan: RoutePlan
) -> None:
    """Commit the requisition's value against its budget and linked contract, and keep the
    facts it was submitted on (on or off contract, the amount in the entity's currency)."""
    if inputs.budget is not None:
        budget_commit(
            budget=inputs.budget, amount=inputs.budget_amount, allow_over=plan.budget_over
        )
        requisition.budget, requisition.budget_committed = inputs.budget, inputs.budget_amount
    if inputs.contract is not None:
        contract_commit(contract=inputs.contract, amount=inputs.contract_amount)
        requisition.contract_committed = inputs.contract_amount
    requisition.on_contract = bool(inputs.facts["on_contract"])
    requisition.maverick = bool(inputs.facts["off_contract"])
    requisition.entity_total, requisition.fx_rate = inputs.entity_total, inputs.fx_rate


def _release_budget(requisition: Requisition) -> None:
    """The budget and the contract value it held go back (withdrawn, cancelled, rejected)."""
    if requisition.budget is not None and requisition.budget_committed:
        budget_release(budget=requisition.budget, amount=requisition.budget_committed)
        requisition.budget_committed = Decimal("0")
    if requisition.contract_id is not None and requisition.contract_committed:
        contract_release(contract_id=requisition.contract_id, amount=requisition.contract_committed)
        requisition.contract_committed = Decimal("0")


def _open_route(requisition: Requisition) -> ApprovalRoute | None:
    return ApprovalRoute.objects.filter(
        subject_type="requisition",
        subject_id=str(requisition.pk),
        status=ApprovalRoute.Status.PENDING,
    ).first()


@transaction.atomic
def requisition_withdraw(*, actor: User, requisition_id: Any) -> Requisition:
    """Back to draft to change it: the route is cancelled and the budget released."""
    requisition = locked(requisition_id, actor)
    _require_requester(actor, requisition)
    if requisition.status != Requisition.Status.PENDING_APPROVAL:
        raise InvalidTransition(_("Only a requisition pending approval can be withdrawn."))
    transition(requisition, Requisition.Status.DRAFT)
    route = _open_route(requisition)
    if route is not None:
        route_cancel(actor=actor, route=route, reason="withdrawn")
    _release_budget(requisition)
    requisition.policy_version = ""
    requisition.save(
        update_fields=["status", "budget_committed", "contract_committed", "policy_version"]
    )
    announce(requisition, actor=actor, verb="withdrawn", decided=False)
    return requisition


@transaction.atomic
def requisition_cancel(*, actor: User, requisition_id: Any) -> Requisition:
    requisition = locked(requisition_id, actor)
    _require_requester(actor, requisition)
    was = requisition.status
    transition(requisition, Requisition.Status.CANCELLED)
    route = _open_route(requisition)
    if route is not None:
        route_cancel(actor=actor, route=route, reason="cancelled")
    _release_budget(requisition)
    requisition.decided_at = timezone.now()
    requisition.save(
        update_fields=["status", "budget_committed", "contract_committed", "decided_at"]
    )
    announce(requisition, actor=actor, verb="cancelled", before={"status": was}, decided=False)
    return requisition


def _approve(requisition: Requisition, *, actor: Any, reason: str) -> None:
    """Approved. With a supplier named the order is issued at once; without one the
    requisition rests in `approved` until a buyer chooses the supplier
    (`sourcing.requisition_source`)."""
    transition(requisition, Requisition.Status.APPROVED)
    requisition.decided_at = timezone.now()
    requisition.save(update_fields=["status", "decided_at"])
    announce(
        requisition,
        actor=actor,
        verb="approved",
        data={"reason": reason},
        payload={"reason": reason},
    )
    if requisition.supplier_id is not None:
        purchase_order_issue(requisition=requisition)


def requisition_route_approved(route: ApprovalRoute, actor: User) -> None:
    requisition = locked(route.subject_id)
    _approve(requisition, actor=actor, reason=_("all steps of the route approved"))


def requisition_route_rejected(route: ApprovalRoute, actor: User, comment: str) -> None:
    requisition = locked(route.subject_id)
    transition(requisition, Requisition.Status.REJECTED)
    _release_budget(requisition)
    requisition.decided_at = timezone.now()
    requisition.save(
        update_fields=["status", "budget_committed", "contract_committed", "decided_at"]
    )
    announce(
        requisition,
        actor=actor,
        verb="rejected",
        data={"comment": comment},
        payload={"comment": comment},
    )
