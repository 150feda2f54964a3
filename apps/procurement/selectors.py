"""Reads on requisitions and purchase orders, and the facts a policy decides on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.rules import NotApplicable, contract_not_applicable
from apps.contracts.selectors import contract_available
from apps.controls.entities import within_entities
from apps.organization.fx import convert
from apps.organization.models import Budget
from apps.organization.selectors import budget_covering
from apps.policies.routing import RouteContext
from apps.suppliers.selectors import suppliers_visible_to
from apps.workflow.models import ApprovalRoute, ApprovalStep, ApprovalTask

from .models import PurchaseOrder, PurchaseOrderLine, Requisition, RequisitionLine

SEES_ALL = (
    "accounts.manage_purchase_orders",
    "accounts.view_audit",
    "accounts.manage_settings",
    "accounts.approve",
    "accounts.post_goods_receipt",  # receivers receive against any order
    "accounts.process_invoices",  # AP matches invoices against any order
)


@dataclass(frozen=True)
class HeldRows:
    """A requisition's budget and linked contract as a submission holds them, under their row
    locks (services.requisitions.requisition_rows_locked): the route inputs read these."""

    budget: Budget | None
    contract: Contract | None


@dataclass
class RouteInputs:
    facts: dict[str, Any]
    context: RouteContext
    entity_total: Decimal
    fx_rate: Decimal
    budget: Budget | None
    budget_amount: Decimal
    contract: Contract | None = None  # held (locked) when the budget is
    contract_amount: Decimal = Decimal("0")  # in the contract's currency
    contract_failure: NotApplicable | None = None


def requisition_route_inputs(
    requisition: Requisition, *, on: date, held: HeldRows | None = None
) -> RouteInputs:
    """What the policy's conditions read, for this requisition on this day. Amounts are
    converted to the legal entity's currency (and the budget's) with the dated FX table. A
    submission passes the budget and contract it `held` under their locks; otherwise they
    are read as they are."""
    entity = requisition.legal_entity
    entity_total, rate = convert(
        requisition.total, base=requisition.currency, quote=entity.currency, on=on
    )
    if held is not None:
        budget = held.budget
    else:
        budget = budget_covering(cost_center=requisition.cost_center, on=on).first()
    if budget is not None:
        budget_amount, _rate = convert(
            requisition.total, base=requisition.currency, quote=budget.currency, on=on
        )
        remaining_after = budget.remaining - budget_amount
    else:
        budget_amount, remaining_after = Decimal("0"), -entity_total
    supplier = requisition.supplier
    requester = requisition.requester
    contract, contract_amount, failure, contract_facts = _contract_inputs(
        requisition, on=on, held=held
    )
    facts = {
        "amount": float(entity_total),
        "currency": entity.currency,
        "original_amount": float(requisition.total),
        "original_currency": requisition.currency,
        "category": requisition.spend_category.code,
        "cost_center": requisition.cost_center.code,
        "legal_entity": entity.code,
        "on_contract": contract is not None and failure is None,
        "contract": contract_facts,
        "off_contract": contract is None and contract_facts["available"],
        "supplier": {
            "present": supplier is not None,
            "risk": supplier.risk_tier if supplier else "unknown",
            "status": supplier.status if supplier else "none",
            "compliant": supplier.compliance == "compliant" if supplier else True,
        },
        "budget": {
            "exists": budget is not None,
            "remaining_after": float(remaining_after),
            "over": remaining_after < 0,
        },
        "requester": {
            "email": requester.email,
            "roles": sorted(g.name for g in requester.groups.all()),
        },
    }
    context = RouteContext(
        requester=requester,
        cost_center_manager=requisition.cost_center.manager,
        amount=entity_total,
        currency=entity.currency,
    )
    return RouteInputs(
        facts,
        context,
        entity_total,
        rate,
        budget,
        budget_amount,
        contract,
        contract_amount,
        failure,
    )


def requisition_contract_fails(
    requisition: Requisition, contract: Contract, *, on: date, amount: Decimal | None
) -> NotApplicable | None:
    """The condition `contract` fails for this requisition's supplier, entity and category on
    `on` (amount in the contract's currency; None: value not checked)."""
    return contract_not_applicable(
        contract,
        supplier_id=requisition.supplier_id,
        legal_entity_id=requisition.legal_entity_id,
        spend_category_id=requisition.spend_category_id,
        on=on,
        amount=amount,
    )


def requisition_contract_available(requisition: Requisition, *, on: date) -> Contract | None:
    """An active contract with the requisition's supplier covering it on `on`, if any."""
    return contract_available(
        supplier_id=requisition.supplier_id,
        legal_entity_id=requisition.legal_entity_id,
        spend_category_id=requisition.spend_category_id,
        on=on,
    )


def _contract_inputs(
    requisition: Requisition, *, on: date, held: HeldRows | None
) -> tuple[Contract | None, Decimal, NotApplicable | None, dict[str, Any]]:
    """The linked contract (as held under its lock at submission), the requisition's value in its
    currency, the condition it fails, and the facts the policy reads: whether it is linked,
    and whether an active contract with the supplier covers the category (off contract)."""
    need_by = requisition.need_by or on
    facts: dict[str, Any] = {
        "linked": requisition.contract_id is not None,
        "number": "",
        "available": False,
        "available_number": "",
        "over_cap": False,
    }
    contract, amount, failure = None, Decimal("0"), None
    if requisition.contract_id is not None:
        if held is not None and held.contract is not None:
            contract = held.contract
        else:
            contract = Contract.objects.prefetch_related("legal_entities", "spend_categories").get(
                pk=requisition.contract_id
            )
        amount, _rate = convert(
            requisition.total, base=requisition.currency, quote=contract.currency, on=on
        )
        failure = requisition_contract_fails(requisition, contract, on=need_by, amount=amount)
        facts["number"] = contract.number
        facts["over_cap"] = failure is not None and failure.condition == "value"
    elif requisition.supplier_id is not None:
        available = requisition_contract_available(requisition, on=need_by)
        if available is not None:
            facts["available"], facts["available_number"] = True, available.number
    return contract, amount, failure, facts


def requisitions_visible_to(user: User) -> QuerySet[Requisition]:
    requisitions = Requisition.objects.select_related(
        "requester", "cost_center", "spend_category", "legal_entity", "supplier"
    ).prefetch_related(Prefetch("lines", queryset=RequisitionLine.objects.order_by("line_no")))
    if not any(user.has_perm(p) for p in SEES_ALL):
        requisitions = requisitions.filter(requester=user)
    return within_entities(requisitions, user).order_by("-created_at")


def requisition_search(
    queryset: QuerySet[Requisition], *, status: str | None, q: str | None
) -> QuerySet[Requisition]:
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(number__icontains=q))
    return queryset


def purchase_orders_visible_to(user: User) -> QuerySet[PurchaseOrder]:
    orders = PurchaseOrder.objects.select_related(
        "supplier", "legal_entity", "requisition"
    ).prefetch_related(Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("line_no")))
    if user.has_perm("accounts.use_supplier_portal") and not user.has_perm(
        "accounts.view_reference_data"
    ):
        # a supplier user sees the orders of its own supplier, nothing else
        return orders.filter(supplier__in=suppliers_visible_to(user)).order_by("-issued_at", "-pk")
    if not any(user.has_perm(p) for p in SEES_ALL):
        orders = orders.filter(requisition__requester=user)
    return within_entities(orders, user).order_by("-issued_at", "-pk")


def requisition_summaries(ids: list[str]) -> dict[str, dict[str, Any]]:
    """The context an approver decides on: amount, requester, cost center and budget left."""
    rows = Requisition.objects.filter(pk__in=ids).select_related(
        "requester", "cost_center", "spend_category", "supplier", "budget", "purchase_order"
    )
    return {
        str(r.pk): {
            "number": r.number,
            "title": r.title,
            "status": r.status,
            "total": str(r.total),
            "currency": r.currency,
            "entity_total": str(r.entity_total) if r.entity_total is not None else None,
            "requester": r.requester.email,
            "cost_center": r.cost_center.code,
            "spend_category": r.spend_category.code,
            "supplier": r.supplier.name if r.supplier else None,
            "supplier_risk": r.supplier.risk_tier if r.supplier else None,
            "budget_remaining": str(r.budget.remaining) if r.budget else None,
            "budget_currency": r.budget.currency if r.budget else None,
            "policy_version": r.policy_version,
            # once approved, the order it became (the approver is told which)
            "order_number": getattr(getattr(r, "purchase_order", None), "number", None),
            "order_id": str(getattr(getattr(r, "purchase_order", None), "pk", "") or ""),
        }
        for r in rows
    }


IMPACT_WINDOW_DAYS = 90


def requisition_inputs_today(
    *, number: str | None = None, pk: Any = None
) -> tuple[Requisition, dict[str, Any], Any] | None:
    """The policy simulator's requisition, by number or id, with the facts and context its
    route would read if it were submitted today."""
    from django.utils import timezone

    found = Requisition.objects.select_related(
        "requester", "cost_center__manager", "legal_entity", "spend_category", "supplier"
    )
    requisition = (
        found.filter(number__iexact=number) if number is not None else found.filter(pk=pk)
    ).first()
    if requisition is None:
        return None
    inputs = requisition_route_inputs(requisition, on=timezone.localdate())
    return requisition, inputs.facts, inputs.context


def policy_impact(*, draft: Any, baseline: Any, days: int = IMPACT_WINDOW_DAYS) -> dict[str, Any]:
    """Replay the requisitions submitted in the last `days` days against `draft` and the
    `baseline` version with the same facts, and list those whose route would change."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.controls.refusals import ApplicationError
    from apps.policies.routing import plan_route

    since = timezone.now() - timedelta(days=days)
    requisitions = (
        Requisition.objects.filter(submitted_at__gte=since)
        .select_related(
            "requester", "cost_center__manager", "legal_entity", "spend_category", "supplier"
        )
        .prefetch_related("requester__groups")
        .order_by("-submitted_at")
    )
    changed, considered, failures = [], 0, []
    for requisition in requisitions:
        considered += 1
        try:
            inputs = requisition_route_inputs(
                requisition, on=timezone.localtime(requisition.submitted_at).date()
            )
            plans = []
            for version in (baseline, draft):
                try:
                    plans.append(
                        plan_route(
                            version=version, facts=inputs.facts, context=inputs.context
                        ).as_dict()
                    )
                except ApplicationError as exc:
                    plans.append({"error": exc.code, "detail": str(exc.detail)})
        except ApplicationError as exc:
            failures.append(
                {"id": str(requisition.pk), "number": requisition.number, "error": exc.code}
            )
            continue
        before, after = plans

        def shape(plan: dict[str, Any]) -> Any:
            if "error" in plan:
                return plan["error"]
            return [
                plan["rule"],
                plan["budget_action"],
                [(s["quorum"], sorted(s["approvers"])) for s in plan["steps"]],
            ]

        if shape(before) != shape(after):
            changed.append(
                {
                    "id": str(requisition.pk),
                    "number": requisition.number,
                    "title": requisition.title,
                    "amount": str(inputs.entity_total),
                    "currency": inputs.facts["currency"],
                    "before": before,
                    "after": after,
                }
            )
    return {
        "window_days": days,
        "considered": considered,
        "changed": changed,
        "not_replayed": failures,
        "baseline": f"v{baseline.number}",
        "draft": f"v{draft.number}",
    }


def requisition_route(requisition: Requisition) -> ApprovalRoute | None:
    """The newest route of a requisition, with its steps and their tasks, for the timeline."""
    tasks = ApprovalTask.objects.select_related("assignee", "on_behalf_of").order_by("created_at")
    return (
        ApprovalRoute.objects.filter(subject_type="requisition", subject_id=str(requisition.pk))
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.order_by("sequence").prefetch_related(
                    Prefetch("tasks", queryset=tasks)
                ),
            )
        )
        .order_by("-created_at")
        .first()
    )


def contract_spend_figures(*, since: date, until: date, actor: Any = None) -> dict[str, Any]:
    """Ordered spend (in each legal entity's currency) on and off contract, by spend category
    and by supplier, and the part bought off contract although a contract covered it
    (maverick), of the actor's legal entities. Two queries whatever the number of orders."""
    from django.db.models import DecimalField, Sum, Value
    from django.db.models.functions import Coalesce

    ordered = within_entities(
        Requisition.objects.filter(
            status=Requisition.Status.ORDERED,
            submitted_at__date__gte=since,
            submitted_at__date__lte=until,
        ),
        actor,
    )
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))

    def total(where: Q) -> Any:
        return Coalesce(Sum("entity_total", filter=where), zero)

    parts = {
        "on_contract": Q(on_contract=True),
        "off_contract": Q(on_contract=False),
        "maverick": Q(maverick=True),
    }
    # annotated as `<part>_sum`: the names differ from the fields (on_contract, maverick)
    sums = {f"{part}_sum": total(where) for part, where in parts.items()}
    out: dict[str, Any] = {}
    for key, group in (("by_category", "spend_category__code"), ("by_supplier", "supplier__name")):
        rows = (
            ordered.values(group, "legal_entity__currency")
            .annotate(**sums)
            .order_by(group, "legal_entity__currency")
        )
        out[key] = [
            {
                "name": row[group] or "",
                "currency": row["legal_entity__currency"],
                **{part: row[f"{part}_sum"] for part in parts},
            }
            for row in rows
        ]
    totals: dict[str, dict[str, Decimal]] = {}
    for row in out["by_category"]:
        into = totals.setdefault(row["currency"], {part: Decimal("0") for part in parts})
        for part in parts:
            into[part] += row[part]
    out["totals"] = totals
    return out
