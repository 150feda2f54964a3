"""Routing by policy, table-driven: which rule matches and who approves each step."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from apps.controls.refusals import ApplicationError
from apps.policies.document import DEFAULT_POLICY, PolicyError, validate_document
from apps.policies.models import ApprovalLimit, PolicyVersion
from apps.policies.routing import RouteContext, plan_route

pytestmark = pytest.mark.django_db


def facts(amount: float, **overrides: Any) -> dict[str, Any]:
    base = {
        "amount": amount,
        "currency": "USD",
        "original_amount": amount,
        "original_currency": "USD",
        "category": "IT-HW",
        "cost_center": "CC-100",
        "legal_entity": "US01",
        "on_contract": False,
        "supplier": {"present": True, "risk": "low", "status": "approved"},
        "budget": {"exists": True, "remaining_after": 100000.0, "over": False},
        "requester": {"email": "req@tenanta.test", "roles": ["requester"]},
    }
    for key, value in overrides.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) else value
    return base


def policy(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(DEFAULT_POLICY)
    if "settings" in changes:
        document["settings"].update(changes.pop("settings"))
    document.update(changes)
    return document


QUORUM_RULES = [
    {
        "id": "board",
        "when": "true",
        "steps": [{"approver": {"type": "role", "role": "approver"}, "quorum": 2}],
    }
]
CHAIN_RULES = [
    {"id": "chain", "when": "true", "steps": [{"approver": {"type": "management_chain"}}]}
]
CATEGORY_RULES = [
    {
        "id": "software",
        "when": "category == 'IT-SW' && !on_contract",
        "steps": [{"approver": {"type": "user", "email": "cio@tenanta.test"}}],
    },
    {"id": "rest", "when": "true", "steps": []},
]
ENTITY_RULES = [
    {
        "id": "germany",
        "when": "legal_entity == 'DE01' && amount > 500.0",
        "steps": [{"approver": {"type": "role", "role": "ap_manager"}}],
    },
    {"id": "rest", "when": "true", "steps": []},
]


@dataclass
class Case:
    name: str
    amount: float
    rule: str
    approvers: list[list[str]]  # per step, local parts of e-mails
    document: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_POLICY))
    facts: dict[str, Any] = field(default_factory=dict)
    quorums: list[int] | None = None
    budget_action: str = "none"
    requester: str = "req"
    context_amount: float | None = None


CASES = [
    Case("tiny amount auto-approves", 10.0, "auto-approve-small", []),
    Case("exactly 1,000 auto-approves", 1000.0, "auto-approve-small", []),
    Case("1,000.01 goes to the cost center manager", 1000.01, "cost-center-manager", [["ccm"]]),
    Case(
        "high-risk supplier is never automatic",
        200.0,
        "cost-center-manager",
        [["ccm"]],
        facts={"supplier": {"risk": "high"}},
    ),
    Case(
        "no supplier auto-approves when small",
        200.0,
        "auto-approve-small",
        [],
        facts={"supplier": {"present": False, "risk": "unknown", "status": "none"}},
    ),
    Case("25,000 is still the manager alone", 25000.0, "cost-center-manager", [["ccm"]]),
    Case("above 25,000 adds finance", 25000.5, "manager-then-finance", [["ccm"], ["fin"]]),
    Case(
        "converted EUR amount decides (950 EUR = 1,045 USD)",
        1045.0,
        "cost-center-manager",
        [["ccm"]],
        facts={"original_amount": 950.0, "original_currency": "EUR"},
    ),
    Case(
        "requester who manages the cost center goes to their own manager",
        5000.0,
        "cost-center-manager",
        [["boss"]],
        requester="ccm",
    ),
    Case(
        "quorum: two of the approvers",
        5000.0,
        "board",
        [["appr1", "appr2", "appr3"]],
        document=policy(rules=QUORUM_RULES),
        quorums=[2],
    ),
    Case(
        "management chain stops at the first sufficient limit",
        3000.0,
        "chain",
        [["mgr1"], ["mgr2"]],
        document=policy(rules=CHAIN_RULES),
    ),
    Case(
        "management chain: first manager's limit covers it",
        400.0,
        "chain",
        [["mgr1"]],
        document=policy(rules=CHAIN_RULES),
    ),
    Case(
        "management chain runs out: fallback role",
        900000.0,
        "chain",
        [["mgr1"], ["mgr2"], ["mgr3"], ["boss", "ccm"]],
        document=policy(rules=CHAIN_RULES),
    ),
    Case(
        "over budget, policy blocks",
        5000.0,
        "cost-center-manager",
        [["ccm"]],
        budget_action="blocked",
        facts={"budget": {"remaining_after": -1.0, "over": True}},
    ),
    Case(
        "over budget, policy warns",
        5000.0,
        "cost-center-manager",
        [["ccm"]],
        budget_action="warned",
        facts={"budget": {"remaining_after": -1.0, "over": True}},
        document=policy(settings={"budget_mode": "warn"}),
    ),
    Case(
        "over budget adds a finance step",
        5000.0,
        "cost-center-manager",
        [["ccm"], ["fin"]],
        budget_action="finance_step",
        facts={"budget": {"remaining_after": -1.0, "over": True}},
        document=policy(settings={"budget_mode": "finance_step"}),
    ),
    Case(
        "small but over budget with finance_step is not automatic",
        100.0,
        "auto-approve-small",
        [["fin"]],
        budget_action="finance_step",
        facts={"budget": {"remaining_after": -1.0, "over": True}},
        document=policy(settings={"budget_mode": "finance_step"}),
    ),
    Case(
        "software off contract goes to a named user",
        50.0,
        "software",
        [["cio"]],
        document=policy(rules=CATEGORY_RULES),
        facts={"category": "IT-SW"},
    ),
    Case(
        "software on contract needs nobody",
        50.0,
        "rest",
        [],
        document=policy(rules=CATEGORY_RULES),
        facts={"category": "IT-SW", "on_contract": True},
    ),
    Case(
        "legal entity rule",
        600.0,
        "germany",
        [["fin"]],
        document=policy(rules=ENTITY_RULES),
        facts={"legal_entity": "DE01", "currency": "EUR"},
    ),
]


@pytest.fixture
def people(tenant_a: Any, make_user: Any, in_tenant: Any) -> dict[str, Any]:
    boss = make_user(tenant_a, "boss", ["manager"])
    # the chain follows manager links, not roles; these roles keep role-based steps exact
    mgr3 = make_user(tenant_a, "mgr3", ["buyer"])
    mgr2 = make_user(tenant_a, "mgr2", ["buyer"], manager=mgr3)
    mgr1 = make_user(tenant_a, "mgr1", ["buyer"], manager=mgr2)
    users = {
        "boss": boss,
        "mgr1": mgr1,
        "mgr2": mgr2,
        "mgr3": mgr3,
        "ccm": make_user(tenant_a, "ccm", ["manager"], manager=boss),
        "req": make_user(tenant_a, "req", ["requester"], manager=mgr1),
        "fin": make_user(tenant_a, "fin", ["ap_manager"]),
        "appr1": make_user(tenant_a, "appr1", ["approver"]),
        "appr2": make_user(tenant_a, "appr2", ["approver"]),
        "appr3": make_user(tenant_a, "appr3", ["approver"]),
        "cio": make_user(tenant_a, "cio", ["receiver"]),
    }
    with in_tenant(tenant_a):
        ApprovalLimit.objects.create(user=mgr1, currency="USD", amount=Decimal("500"))
        ApprovalLimit.objects.create(user=mgr2, currency="USD", amount=Decimal("5000"))
        ApprovalLimit.objects.create(user=mgr3, currency="USD", amount=Decimal("50000"))
    return users


def _emails(users: list[Any]) -> list[str]:
    return [u.email.split("@")[0] for u in users]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_routing(case: Case, people: dict[str, Any], tenant_a: Any, in_tenant: Any) -> None:
    # role members of the whole tenant: only these users exist in the test transaction
    with in_tenant(tenant_a):
        version = PolicyVersion(number=7, document=validate_document(case.document))
        requester = people[case.requester]
        plan = plan_route(
            version=version,
            facts=facts(case.amount, **case.facts),
            context=RouteContext(
                requester=requester,
                cost_center_manager=people["ccm"],
                amount=Decimal(str(case.amount)),
                currency="USD",
            ),
        )
    assert plan.rule_id == case.rule
    assert plan.policy_version == 7
    assert plan.budget_action == case.budget_action
    got = [sorted(_emails(step.approvers)) for step in plan.steps]
    assert got == [sorted(step) for step in case.approvers]
    if case.quorums:
        assert [s.quorum for s in plan.steps] == case.quorums
    assert plan.auto_approved == (not case.approvers and case.budget_action != "blocked")
    assert requester.email not in {u.email for s in plan.steps for u in s.approvers}


def test_quorum_larger_than_the_eligible_approvers_is_refused(
    people: dict[str, Any], tenant_a: Any, in_tenant: Any
) -> None:
    rules = [
        {
            "id": "many",
            "when": "true",
            "steps": [{"approver": {"type": "role", "role": "ap_manager"}, "quorum": 3}],
        }
    ]
    with in_tenant(tenant_a), pytest.raises(ApplicationError) as refused:
        plan_route(
            version=PolicyVersion(number=1, document=validate_document(policy(rules=rules))),
            facts=facts(10.0),
            context=RouteContext(people["req"], people["ccm"], Decimal("10"), "USD"),
        )
    assert refused.value.code == "no_eligible_approver"


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"id": "x", "when": "amount >", "steps": []}], "rules[0].when"),
        ([{"id": "x", "when": "amout > 5.0", "steps": []}], "rules[0].when"),
        ([{"id": "x", "when": "amount + 1.0", "steps": []}], "rules[0].when"),
        (
            [{"id": "x", "when": "true", "steps": [{"approver": {"type": "wizard"}}]}],
            "rules[0].steps[0].approver",
        ),
        (
            [{"id": "x", "when": "true", "steps": [{"approver": {"type": "role"}}]}],
            "rules[0].steps[0].approver.role",
        ),
        (
            [
                {
                    "id": "x",
                    "when": "true",
                    "steps": [{"approver": {"type": "role", "role": "a"}, "quorum": 0}],
                }
            ],
            "rules[0].steps[0].quorum",
        ),
        (
            [{"id": "x", "when": "true", "steps": []}, {"id": "x", "when": "true", "steps": []}],
            "rules[1].id",
        ),
        ([], "rules"),
    ],
)
def test_bad_policies_are_refused_on_save(rules: list[Any], field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        validate_document(policy(rules=rules))
    assert field in refused.value.errors


def test_conditions_are_cel_not_python() -> None:
    with pytest.raises(PolicyError):
        validate_document(
            policy(rules=[{"id": "x", "when": "__import__('os').system('true')", "steps": []}])
        )
