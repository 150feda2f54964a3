"""Writes on requisitions: drafting, submission under the published policy, withdrawal,
cancellation, and the approval route's outcome."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import (
    ApplicationError,
    InvalidTransition,
    PermissionRefused,
    ValidationFailed,
)
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.organization.services import (
    BudgetExceeded,
    budget_commit,
    budget_release,
)
from apps.policies.document import validate_document
from apps.policies.routing import plan_route
from apps.policies.selectors import policy_published
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_cancel, route_start

from ..models import (
    CENT,
    Requisition,
    RequisitionLine,
)
from ..selectors import requisition_route_inputs
from .numbers import next_number
from .orders import purchase_order_issue

MAX_LINES = 200


class SupplierNonCompliant(ApplicationError):
    status = 409
    code = "supplier_non_compliant"


def _refuse_non_compliant_supplier(supplier: Supplier | None, document: dict[str, Any]) -> None:
    """The policy decides whether a supplier with expired or missing documents may receive
    new orders."""
    if supplier is None or supplier.compliance != Supplier.Compliance.NON_COMPLIANT:
        return
    if document["suppliers"]["non_compliant_orders"] == "block":
        raise SupplierNonCompliant(
            _(
                "%s is non-compliant (a required document is missing or expired); the policy "
                "blocks new orders until it is renewed."
            )
            % supplier.name
        )


def _transition(requisition: Requisition, to: str) -> None:
    move_status(requisition, to, noun=_("requisition"))


def _snapshot(requisition: Requisition) -> dict[str, Any]:
    return {
        "number": requisition.number,
        "status": requisition.status,
        "title": requisition.title,
        "total": requisition.total,
        "currency": requisition.currency,
        "cost_center": requisition.cost_center.code,
        "spend_category": requisition.spend_category.code,
        "legal_entity": requisition.legal_entity.code,
        "supplier": str(requisition.supplier_id) if requisition.supplier_id else None,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in requisition.lines.all()
        ],
    }


def _payload(requisition: Requisition) -> dict[str, Any]:
    """What every requisition event in the catalogue carries (docs/events.md)."""
    return {
        "id": requisition.pk,
        "number": requisition.number,
        "title": requisition.title,
        "requester": requisition.requester.email,
        "total": requisition.total,
        "currency": requisition.currency,
        "cost_center": requisition.cost_center.code,
        "spend_category": requisition.spend_category.code,
        "legal_entity": requisition.legal_entity.code,
        "policy_version": requisition.policy_version,
    }


def _announce(
    requisition: Requisition,
    *,
    actor: Any,
    verb: str,
    data: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    before: Any = None,
    after: Any = None,
    decided: bool = True,
) -> None:
    """A requisition event: in the audit trail and in the outbox (same transaction). A
    decision the policy took (`decided`) records the policy version."""
    event_record(
        actor=actor,
        action=f"requisition.{verb}",
        subject_type="requisition",
        subject_id=requisition.pk,
        policy_version=requisition.policy_version if decided else None,
        before=before,
        after=after,
        data=data,
        payload={**_payload(requisition), **(payload or {})},
    )


def _resolve_header(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for field, model in (
        ("cost_center", CostCenter),
        ("spend_category", SpendCategory),
        ("legal_entity", LegalEntity),
    ):
        if field not in data:
            continue
        found = model.objects.filter(code=data[field]).first()
        if found is None or getattr(found, "active", True) is False:
            errors[field] = [_("Unknown or inactive code: %s") % data[field]]
        else:
            resolved[field] = found
    if data.get("supplier"):
        supplier = Supplier.objects.filter(pk=data["supplier"]).first()
        if supplier is None:
            errors["supplier"] = [_("Unknown supplier.")]
        elif supplier.status in (Supplier.Status.BLOCKED, Supplier.Status.REJECTED):
            errors["supplier"] = [_("This supplier is %s.") % supplier.get_status_display().lower()]
        else:
            resolved["supplier"] = supplier
    elif "supplier" in data:
        resolved["supplier"] = None
    for field in ("title", "justification", "contract_reference", "need_by"):
        if field in data:
            resolved[field] = (
                data[field] if data[field] is not None else ("" if field != "need_by" else None)
            )
    if "currency" in data:
        currency = str(data["currency"] or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            errors["currency"] = [_("Use an ISO 4217 code such as EUR.")]
        resolved["currency"] = currency
    return resolved


def _clean_lines(lines: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(lines, list) or not lines:
        errors["lines"] = [_("Add at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %d lines.") % MAX_LINES]
        return []
    clean = []
    for i, line in enumerate(lines):
        try:
            quantity = Decimal(str(line["quantity"]))
            unit_price = Decimal(str(line["unit_price"]))
            description = str(line["description"]).strip()
        except (KeyError, TypeError, InvalidOperation):
            errors[f"lines[{i}]"] = [_("Each line needs description, quantity and unit_price.")]
            continue
        if not description:
            errors[f"lines[{i}].description"] = [_("Describe what is bought.")]
        if not quantity.is_finite() or quantity <= 0:
            errors[f"lines[{i}].quantity"] = [_("Quantity must be more than zero.")]
        if not unit_price.is_finite() or unit_price < 0:
            errors[f"lines[{i}].unit_price"] = [_("Unit price cannot be negative.")]
        clean.append(
            {
                "description": description[:300],
                "quantity": quantity,
                "unit_price": unit_price,
                "catalogue_item": str(line.get("catalogue_item") or "")[:60],
            }
        )
    return clean


def _write_lines(requisition: Requisition, lines: list[dict[str, Any]]) -> None:
    requisition.lines.all().delete()
    RequisitionLine.objects.bulk_create(
        RequisitionLine(requisition=requisition, line_no=i + 1, **line)
        for i, line in enumerate(lines)
    )
    requisition.total = sum(
        (
            (line["quantity"] * line["unit_price"]).quantize(CENT, rounding=ROUND_HALF_UP)
            for line in lines
        ),
        Decimal("0"),
    )


@transaction.atomic
def requisition_create(*, actor: User, data: dict[str, Any]) -> Requisition:
    if not actor.has_perm("accounts.submit_requisition"):
        raise PermissionRefused()
    errors: dict[str, list[str]] = {}
    for field in ("title", "cost_center", "spend_category", "legal_entity", "currency"):
        if not data.get(field):
            errors[field] = [_("This field is required.")]
    header = _resolve_header(data, errors)
    lines = _clean_lines(data.get("lines"), errors)
    if errors:
        raise ValidationFailed(errors=errors)
    requisition = Requisition(requester=actor, number=next_number("requisition", "REQ-"), **header)
    requisition.save()
    _write_lines(requisition, lines)
    requisition.save(update_fields=["total"])
    event_record(
        actor=actor,
        action="requisition.created",
        subject_type="requisition",
        subject_id=requisition.pk,
        after=_snapshot(requisition),
    )
    return requisition


def _locked(requisition_id: Any) -> Requisition:
    requisition = (
        Requisition.objects.select_for_update(of=("self",))
        .select_related(
            "cost_center__manager", "legal_entity", "spend_category", "supplier", "requester"
        )
        .filter(pk=requisition_id)
        .first()
    )
    if requisition is None:
        from apps.controls.refusals import NotFound

        raise NotFound()
    return requisition


def _require_requester(actor: User, requisition: Requisition) -> None:
    if requisition.requester_id != actor.pk:
        raise PermissionRefused(_("Only the requester may do this."))
    require(actor, "accounts.submit_requisition")


@transaction.atomic
def requisition_update(*, actor: User, requisition_id: Any, data: dict[str, Any]) -> Requisition:
    """Change a draft. After submission a requisition cannot be edited: withdraw it first."""
    requisition = _locked(requisition_id)
    _require_requester(actor, requisition)
    if requisition.status != Requisition.Status.DRAFT:
        raise InvalidTransition(_("Only a draft can be changed; withdraw the requisition first."))
    errors: dict[str, list[str]] = {}
    header = _resolve_header(data, errors)
    lines = _clean_lines(data["lines"], errors) if "lines" in data else None
    if errors:
        raise ValidationFailed(errors=errors)
    before = _snapshot(requisition)
    for field, value in header.items():
        setattr(requisition, field, value)
    if lines is not None:
        _write_lines(requisition, lines)
    requisition.save()
    event_record(
        actor=actor,
        action="requisition.updated",
        subject_type="requisition",
        subject_id=requisition.pk,
        before=before,
        after=_snapshot(requisition),
    )
    return requisition


@transaction.atomic
def requisition_submit(*, actor: User, requisition_id: Any) -> Requisition:
    """Route by the published policy, hold the budget, and start the approvals (or approve
    at once where the policy says so). The budget row stays locked until commit, so
    concurrent submissions against one budget are decided one after the other."""
    requisition = _locked(requisition_id)
    _require_requester(actor, requisition)
    if not actor.has_perm("accounts.submit_requisition"):
        raise PermissionRefused()
    _transition(requisition, Requisition.Status.PENDING_APPROVAL)
    if requisition.total <= 0:
        raise ValidationFailed(errors={"lines": [_("A requisition must be worth more than zero.")]})
    version = policy_published()
    document = validate_document(version.document)
    _refuse_non_compliant_supplier(requisition.supplier, document)
    inputs = requisition_route_inputs(requisition, on=timezone.localdate(), lock_budget=True)
    plan = plan_route(version=version, facts=inputs.facts, context=inputs.context)
    if plan.budget_action == "blocked":
        raise BudgetExceeded(
            _("Over budget: %(cc)s would be %(over)s %(cur)s short, and the policy blocks it.")
            % {
                "cc": requisition.cost_center.code,
                "over": -inputs.facts["budget"]["remaining_after"],
                "cur": inputs.budget.currency if inputs.budget else requisition.currency,
            }
        )
    if inputs.budget is not None:
        budget_commit(
            budget=inputs.budget, amount=inputs.budget_amount, allow_over=plan.budget_over
        )
        requisition.budget, requisition.budget_committed = inputs.budget, inputs.budget_amount
    requisition.entity_total, requisition.fx_rate = inputs.entity_total, inputs.fx_rate
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
        ]
    )
    _announce(
        requisition,
        actor=actor,
        verb="submitted",
        after=_snapshot(requisition),
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


def _release_budget(requisition: Requisition) -> None:
    if requisition.budget is not None and requisition.budget_committed:
        budget_release(budget=requisition.budget, amount=requisition.budget_committed)
        requisition.budget_committed = Decimal("0")


def _open_route(requisition: Requisition) -> ApprovalRoute | None:
    return ApprovalRoute.objects.filter(
        subject_type="requisition",
        subject_id=str(requisition.pk),
        status=ApprovalRoute.Status.PENDING,
    ).first()


@transaction.atomic
def requisition_withdraw(*, actor: User, requisition_id: Any) -> Requisition:
    """Back to draft to change it: the route is cancelled and the budget released."""
    requisition = _locked(requisition_id)
    _require_requester(actor, requisition)
    if requisition.status != Requisition.Status.PENDING_APPROVAL:
        raise InvalidTransition(_("Only a requisition pending approval can be withdrawn."))
    _transition(requisition, Requisition.Status.DRAFT)
    route = _open_route(requisition)
    if route is not None:
        route_cancel(actor=actor, route=route, reason="withdrawn")
    _release_budget(requisition)
    requisition.policy_version = ""
    requisition.save(update_fields=["status", "budget_committed", "policy_version"])
    _announce(requisition, actor=actor, verb="withdrawn", decided=False)
    return requisition


@transaction.atomic
def requisition_cancel(*, actor: User, requisition_id: Any) -> Requisition:
    requisition = _locked(requisition_id)
    _require_requester(actor, requisition)
    was = requisition.status
    _transition(requisition, Requisition.Status.CANCELLED)
    route = _open_route(requisition)
    if route is not None:
        route_cancel(actor=actor, route=route, reason="cancelled")
    _release_budget(requisition)
    requisition.decided_at = timezone.now()
    requisition.save(update_fields=["status", "budget_committed", "decided_at"])
    _announce(requisition, actor=actor, verb="cancelled", before={"status": was}, decided=False)
    return requisition


def _approve(requisition: Requisition, *, actor: Any, reason: str) -> None:
    """Approved. With a supplier named the order is issued at once; without one the
    requisition rests in `approved` until a buyer chooses the supplier
    (`sourcing.requisition_source`)."""
    _transition(requisition, Requisition.Status.APPROVED)
    requisition.decided_at = timezone.now()
    requisition.save(update_fields=["status", "decided_at"])
    _announce(
        requisition,
        actor=actor,
        verb="approved",
        data={"reason": reason},
        payload={"reason": reason},
    )
    if requisition.supplier_id is not None:
        purchase_order_issue(requisition=requisition)


def requisition_route_approved(route: ApprovalRoute, actor: User) -> None:
    requisition = _locked(route.subject_id)
    _approve(requisition, actor=actor, reason=_("all steps of the route approved"))


def requisition_route_rejected(route: ApprovalRoute, actor: User, comment: str) -> None:
    requisition = _locked(route.subject_id)
    _transition(requisition, Requisition.Status.REJECTED)
    _release_budget(requisition)
    requisition.decided_at = timezone.now()
    requisition.save(update_fields=["status", "budget_committed", "decided_at"])
    _announce(
        requisition,
        actor=actor,
        verb="rejected",
        data={"comment": comment},
        payload={"comment": comment},
    )
