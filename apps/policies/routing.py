"""Deciding a route: which rule of a policy version matches, and who approves each step.

Pure reads: submission, the simulator and the impact preview all call `plan_route`, so what
the simulator shows is what a submission does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import ROLE_LABELS
from apps.controls.refusals import ApplicationError
from apps.organization.money import amount_text

from .conditions import compile_condition
from .document import validate_document
from .models import ApprovalLimit, PolicyVersion

MAX_CHAIN = 12


class NoEligibleApprover(ApplicationError):
    status = 409
    code = "no_eligible_approver"


@dataclass
class PlannedStep:
    sequence: int
    approvers: list[User]
    quorum: int
    sla_hours: float
    reason: str
    # whom the policy asked: a role code (ap_manager), cost_center_manager, management_chain or
    # user — what insights groups approval latency by
    role: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "approvers": [u.email for u in self.approvers],
            "quorum": self.quorum,
            "sla_hours": self.sla_hours,
            "reason": self.reason,
            "role": self.role,
        }


@dataclass
class RoutePlan:
    policy_version: int
    rule_id: str
    rule_name: str
    steps: list[PlannedStep] = field(default_factory=list)
    budget_over: bool = False
    budget_action: str = "none"  # none | blocked | warned | finance_step
    # a linked contract without the value left (blocked | warned | step), or bought off
    # contract where one exists (off_contract_step)
    contract_action: str = "none"
    warnings: list[str] = field(default_factory=list)

    @property
    def auto_approved(self) -> bool:
        return not self.steps and "blocked" not in (self.budget_action, self.contract_action)

    def signature(self) -> list[Any]:
        """What makes two routes the same, for the impact preview."""
        return [
            self.rule_id,
            self.budget_action,
            self.contract_action,
            [(s.quorum, sorted(u.pk for u in s.approvers)) for s in self.steps],
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "rule": self.rule_id,
            "rule_name": self.rule_name,
            "auto_approved": self.auto_approved,
            "budget_over": self.budget_over,
            "budget_action": self.budget_action,
            "contract_action": self.contract_action,
            "warnings": self.warnings,
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass
class RouteContext:
    """Who and what a route is for, beyond the facts the conditions read."""

    requester: User
    cost_center_manager: User | None
    amount: Decimal  # in the legal entity's currency
    currency: str


def _role_members(role: str) -> list[User]:
    group = Group.objects.filter(name=role).first()
    if group is None:
        return []
    return list(User.objects.filter(groups=group, is_active=True).order_by("email"))


def approval_limit(user: User, currency: str) -> Decimal:
    roles = [g.name for g in user.groups.all()]
    limits = ApprovalLimit.objects.filter(currency=currency).filter(
        user=user
    ) | ApprovalLimit.objects.filter(currency=currency, user__isnull=True, role__in=roles)
    return max((limit.amount for limit in limits), default=Decimal("0"))


def plan_route(
    *, version: PolicyVersion, facts: dict[str, Any], context: RouteContext
) -> RoutePlan:
    document = validate_document(version.document)
    settings = document["settings"]
    plan = plan_rules(
        number=version.number,
        rules=document["rules"],
        settings=settings,
        sod=document["sod"],
        facts=facts,
        context=context,
    )
    excluded = {context.requester.pk} if "no_self_approval" in document["sod"] else set()

    budget = facts.get("budget") or {}
    if budget.get("over"):
        plan.budget_over = True
        mode = settings["budget_mode"]
        if mode == "block":
            plan.budget_action = "blocked"
        elif mode == "warn":
            plan.budget_action = "warned"
            plan.warnings.append(_("Over budget: approved with a warning by policy."))
        else:
            plan.budget_action = "finance_step"
            finance = {"approver": {"type": "role", "role": settings["finance_role"]}}
            _add_steps(
                plan,
                finance,
                context,
                settings,
                excluded,
                reason=_("over budget: finance approves"),
            )
    _contract_steps(plan, facts, context, settings, excluded)
    return plan


def _contract_steps(
    plan: RoutePlan,
    facts: dict[str, Any],
    context: RouteContext,
    settings: dict[str, Any],
    excluded: set[Any],
) -> None:
    """What the policy does about contracts: a linked contract without the value left is
    refused, warned or given a step; buying off contract where a contract with the supplier
    covers the category adds the off-contract role (the buyer by default)."""
    contract = facts.get("contract") or {}
    if contract.get("over_cap"):
        mode = settings["contract_mode"]
        plan.contract_action = {"block": "blocked", "warn": "warned"}.get(mode, "step")
        if mode == "warn":
            plan.warnings.append(_("Above the contract's remaining value: warned by policy."))
        elif mode == "step" and settings["contract_step_role"]:
            step = {"approver": {"type": "role", "role": settings["contract_step_role"]}}
            reason = _("above the contract's remaining value")
            _add_steps(plan, step, context, settings, excluded, reason=reason)
    if facts.get("off_contract") and settings["off_contract_role"]:
        plan.contract_action = "off_contract_step"
        step = {"approver": {"type": "role", "role": settings["off_contract_role"]}}
        reason = _("off contract: %s has a contract for this category") % contract.get(
            "available_number", ""
        )
        _add_steps(plan, step, context, settings, excluded, reason=reason)


def plan_rules(
    *,
    number: int,
    rules: list[dict[str, Any]],
    settings: dict[str, Any],
    sod: list[str],
    facts: dict[str, Any],
    context: RouteContext,
    facts_kind: str = "requisition",
) -> RoutePlan:
    """The route of the first rule whose condition holds (requisitions, supplier onboarding)."""
    for rule in rules:
        if compile_condition(rule["when"], facts_kind).holds(facts):
            break
    else:
        raise NoEligibleApprover(_("No rule of policy v%s matches.") % number)
    plan = RoutePlan(
        policy_version=number, rule_id=rule["id"], rule_name=rule.get("name", rule["id"])
    )
    excluded = {context.requester.pk} if "no_self_approval" in sod else set()
    for step in rule.get("steps", []):
        _add_steps(plan, step, context, settings, excluded)
    return plan


def _add_steps(
    plan: RoutePlan,
    step: dict[str, Any],
    context: RouteContext,
    settings: dict[str, Any],
    excluded: set[int],
    reason: str | None = None,
) -> None:
    approver = step["approver"]
    kind = approver["type"]
    quorum = int(step.get("quorum", 1))
    sla = float(step.get("sla_hours") or settings["default_sla_hours"])

    role = approver["role"] if kind == "role" else kind

    def add(users: list[User], why: str, need: int = 1) -> None:
        eligible = [u for u in users if u.pk not in excluded]
        if not eligible:
            fallback = _fallback(context, settings, excluded)
            eligible, why = (
                fallback,
                f"{why}; {_('no eligible approver, so')} {_describe_fallback(context, settings)}",
            )
        if len(eligible) < need:
            raise NoEligibleApprover(
                _("%(why)s needs %(n)d approvers but only %(m)d are eligible.")
                % {"why": why, "n": need, "m": len(eligible)}
            )
        plan.steps.append(
            PlannedStep(len(plan.steps) + 1, eligible, need, sla, reason or why, role)
        )

    if kind == "role":
        add(_role_members(approver["role"]), _("role %s") % _role(approver["role"]), quorum)
    elif kind == "user":
        add(
            list(User.objects.with_identity(approver["email"]).filter(is_active=True)),
            approver["email"],
        )
    elif kind == "cost_center_manager":
        manager = context.cost_center_manager
        add([manager] if manager else [], _("the cost center's manager"))
    else:  # management_chain
        seen: set[int] = set()
        person = context.requester.manager
        while person is not None and person.pk not in seen and len(seen) < MAX_CHAIN:
            seen.add(person.pk)
            if person.pk not in excluded and person.is_active:
                limit = approval_limit(person, context.currency)
                plan.steps.append(
                    PlannedStep(
                        len(plan.steps) + 1,
                        [person],
                        1,
                        sla,
                        reason
                        or _("management chain (limit %(l)s %(c)s)")
                        % {"l": amount_text(limit, context.currency), "c": context.currency},
                        role,
                    )
                )
                if limit >= context.amount:
                    return
            person = person.manager
        add(
            _role_members(settings["chain_fallback_role"]),
            _("no one in the management chain may approve %(a)s %(c)s: role %(r)s")
            % {
                "a": context.amount,
                "c": context.currency,
                "r": _role(settings["chain_fallback_role"]),
            },
        )


def _fallback(context: RouteContext, settings: dict[str, Any], excluded: set[int]) -> list[User]:
    manager = context.requester.manager
    if manager is not None and manager.pk not in excluded and manager.is_active:
        return [manager]
    return [u for u in _role_members(settings["chain_fallback_role"]) if u.pk not in excluded]


def _describe_fallback(context: RouteContext, settings: dict[str, Any]) -> str:
    if context.requester.manager is not None:
        return _("the requester's manager")
    return _("role %s") % _role(settings["chain_fallback_role"])


def _role(code: str) -> str:
    """A role as people read it (AP manager), in a step's reason."""
    return str(ROLE_LABELS.get(code, code))
