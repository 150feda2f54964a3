"""The approval policy document: its shape, its validation, and the conditions in CEL.

    {
      "settings": {"budget_mode": "block" | "warn" | "finance_step", "finance_role": "ap_manager",
                   "default_sla_hours": 16, "reminder_share": 0.5,
                   "escalation_role": "" (empty: the approver's manager),
                   "chain_fallback_role": "manager",
                   "contract_mode": "block" | "warn" | "step", "contract_step_role": "buyer",
                   "off_contract_role": "buyer" ("": no step),
                   "contract_approval_above": 100000 (null: never),
                   "contract_approval_role": "manager"},
      "sod": ["no_self_approval", "one_step_per_person"],
      "access_conflicts": [["verify_bank_details", "release_payments"], …],  # access review
      "rules": [
        {"id": "small", "name": "…", "when": "amount <= 1000.0", "steps": []},
        {"id": "big", "when": "true", "steps": [
            {"approver": {"type": "cost_center_manager"}, "sla_hours": 16},
            {"approver": {"type": "role", "role": "approver"}, "quorum": 2},
            {"approver": {"type": "user", "email": "cfo@…"}},
            {"approver": {"type": "management_chain"}}]}
      ]
    }

Rules are tried in order; the first whose condition holds decides the route. A rule with no
steps approves automatically (still audited). Conditions are CEL (cel-python), never Python.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.roles import ALL_CAPABILITIES

from .alert_section import validate_alert_section
from .assistant_section import validate_assistant_section
from .conditions import compile_condition, condition_error
from .invoice_section import validate_invoice_section
from .mfa_section import validate_mfa_section
from .retention_section import validate_retention_section
from .session_section import validate_session_section
from .supplier_section import validate_supplier_section

BUDGET_MODES = {"block", "warn", "finance_step"}
CONTRACT_MODES = {"block", "warn", "step"}
APPROVER_TYPES = {"role", "user", "cost_center_manager", "management_chain"}
SOD_RULES = {
    "no_self_approval": _("Nobody approves a requisition they requested."),
    "one_step_per_person": _("One person decides at most one step of a route."),
}
# Capabilities one person should not hold together (the user access review reports them).
DEFAULT_ACCESS_CONFLICTS: list[list[str]] = [
    ["verify_bank_details", "release_payments"],  # change who is paid, then pay
    ["manage_suppliers", "release_payments"],  # create a supplier, then pay it
    ["post_goods_receipt", "process_invoices"],  # confirm delivery of what you match
    ["manage_users", "release_payments"],  # grant yourself the right to pay
]
DEFAULT_SETTINGS: dict[str, Any] = {
    "budget_mode": "block",
    "finance_role": "ap_manager",
    "default_sla_hours": 16,
    "reminder_share": 0.5,
    "escalation_role": "",
    "chain_fallback_role": "manager",
    # a linked contract without the value left: refuse, warn, or add a step (contract_step_role)
    "contract_mode": "block",
    "contract_step_role": "buyer",
    # bought off contract where an active contract with that supplier covers the category
    "off_contract_role": "buyer",
    # a contract whose value cap is above this (in its currency) is approved before it is active
    "contract_approval_above": 100000,
    "contract_approval_role": "manager",
}


class PolicyError(ValueError):
    """A policy document that cannot be used, with messages per field."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def validate_document(document: Any) -> dict[str, Any]:
    """Return the document with defaults filled in, or raise PolicyError."""
    errors: dict[str, list[str]] = {}
    if not isinstance(document, dict):
        raise PolicyError({"document": [_("The policy must be a JSON object.")]})
    settings = {**DEFAULT_SETTINGS, **(document.get("settings") or {})}
    if settings["budget_mode"] not in BUDGET_MODES:
        errors["settings.budget_mode"] = [_("Choose one of: %s.") % ", ".join(sorted(BUDGET_MODES))]
    if settings["contract_mode"] not in CONTRACT_MODES:
        errors["settings.contract_mode"] = [
            _("Choose one of: %s.") % ", ".join(sorted(CONTRACT_MODES))
        ]
    for key in ("contract_step_role", "off_contract_role", "contract_approval_role"):
        if not isinstance(settings[key], str):
            errors[f"settings.{key}"] = [_("Name a role, or leave it empty.")]
    above = settings["contract_approval_above"]
    if above is not None and (not isinstance(above, int | float) or above < 0):
        errors["settings.contract_approval_above"] = [_("Use an amount, or null for never.")]
    for key in ("default_sla_hours",):
        if not isinstance(settings[key], int | float) or settings[key] <= 0:
            errors[f"settings.{key}"] = [_("Use a positive number of hours.")]
    share = settings["reminder_share"]
    if not isinstance(share, int | float) or not 0 < share < 1:
        errors["settings.reminder_share"] = [_("Use a share between 0 and 1, e.g. 0.5.")]
    sod = document.get("sod", list(SOD_RULES))
    if not isinstance(sod, list) or any(rule not in SOD_RULES for rule in sod):
        errors["sod"] = [_("Known rules: %s.") % ", ".join(SOD_RULES)]
    conflicts = document.get("access_conflicts", DEFAULT_ACCESS_CONFLICTS)
    if not isinstance(conflicts, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and pair[0] != pair[1]
        and all(c in ALL_CAPABILITIES for c in pair)
        for pair in conflicts
    ):
        errors["access_conflicts"] = [
            _(
                'Pairs of two different capabilities, e.g. ["verify_bank_details", '
                '"release_payments"].'
            )
        ]
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules:
        errors["rules"] = [_("A policy needs at least one rule.")]
        rules = []
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        where = f"rules[{i}]"
        if not isinstance(rule, dict):
            errors[where] = [_("A rule is an object with id, when and steps.")]
            continue
        rule_id = rule.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            errors[f"{where}.id"] = [_("Give the rule an id.")]
        elif rule_id in seen:
            errors[f"{where}.id"] = [_("Rule ids must be unique.")]
        else:
            seen.add(rule_id)
        try:
            compile_condition(rule.get("when", ""))
        except ValueError as exc:
            errors[f"{where}.when"] = [condition_error(rule, exc)]
        steps = rule.get("steps", [])
        if not isinstance(steps, list):
            errors[f"{where}.steps"] = [_("Steps are a list.")]
            continue
        for j, step in enumerate(steps):
            _validate_step(step, f"{where}.steps[{j}]", errors)
    suppliers = validate_supplier_section(document.get("suppliers"), errors, _validate_step)
    invoices = validate_invoice_section(document.get("invoices"), errors)
    alerts = validate_alert_section(document.get("alerts"), errors)
    assistants = validate_assistant_section(document.get("assistants"), errors)
    mfa = validate_mfa_section(document.get("mfa"), errors)
    retention = validate_retention_section(document.get("retention"), errors)
    sessions = validate_session_section(document.get("sessions"), errors)
    if errors:
        raise PolicyError(errors)
    return {
        "settings": settings,
        "sod": sod,
        "access_conflicts": conflicts,
        "rules": rules,
        "suppliers": suppliers,
        "invoices": invoices,
        "alerts": alerts,
        "assistants": assistants,
        "mfa": mfa,
        "retention": retention,
        "sessions": sessions,
    }


def _validate_step(step: Any, where: str, errors: dict[str, list[str]]) -> None:
    approver = step.get("approver") if isinstance(step, dict) else None
    if not isinstance(approver, dict) or approver.get("type") not in APPROVER_TYPES:
        errors[f"{where}.approver"] = [
            _("Approver type is one of: %s.") % ", ".join(sorted(APPROVER_TYPES))
        ]
        return
    kind = approver["type"]
    if kind == "role" and not approver.get("role"):
        errors[f"{where}.approver.role"] = [_("Name the role.")]
    if kind == "user" and not approver.get("email"):
        errors[f"{where}.approver.email"] = [_("Name the user's e-mail.")]
    quorum = step.get("quorum", 1)
    if not isinstance(quorum, int) or quorum < 1:
        errors[f"{where}.quorum"] = [_("Quorum is a whole number, at least 1.")]
    sla = step.get("sla_hours")
    if sla is not None and (not isinstance(sla, int | float) or sla <= 0):
        errors[f"{where}.sla_hours"] = [_("Use a positive number of hours.")]


DEFAULT_POLICY: dict[str, Any] = {
    "settings": dict(DEFAULT_SETTINGS),
    "sod": list(SOD_RULES),
    "access_conflicts": [list(pair) for pair in DEFAULT_ACCESS_CONFLICTS],
    "rules": [
        {
            "id": "auto-approve-small",
            "name": "Up to 1,000 from a supplier that is not high-risk: approved automatically",
            "when": "amount <= 1000.0 && supplier.risk != 'high'",
            "steps": [],
        },
        {
            "id": "cost-center-manager",
            "name": "Up to 25,000: the cost center's manager",
            "when": "amount <= 25000.0",
            "steps": [{"approver": {"type": "cost_center_manager"}}],
        },
        {
            "id": "manager-then-finance",
            "name": "Above 25,000: the cost center's manager, then finance",
            "when": "true",
            "steps": [
                {"approver": {"type": "cost_center_manager"}},
                {"approver": {"type": "role", "role": "ap_manager"}, "sla_hours": 24},
            ],
        },
    ],
}
