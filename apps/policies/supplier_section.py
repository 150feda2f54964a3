"""The `suppliers` section of the policy document: what onboarding requires and decides.

    "suppliers": {
      "required_documents": [{"id", "name", "when": CEL, "documents": ["w9", …]}],
      "onboarding": {"rules": [{"id", "name", "when": CEL, "steps": [approval steps]}]},
      "screening": {"threshold": 88},          # rapidfuzz token-sort score, 0-100
      "risk": {"high_risk_countries": [...], "high_risk_categories": [...],
               "points": {reason: points}, "medium_at": 25, "high_at": 50},
      "non_compliant_orders": "block" | "allow",
      "renewal_alert_days": [30, 14, 7],
      "bank_change_recent_days": 30
    }

Conditions read the supplier facts in conditions.SUPPLIER_SAMPLE_FACTS. `risk` in required-document
rules is the tier before documents count (documents cannot depend on themselves).
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .conditions import compile_condition, condition_error

DOCUMENT_TYPES = {"w9", "w8ben", "vat_certificate", "insurance_certificate", "bank_letter", "other"}
EU_COUNTRIES = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]  # fmt: skip
RISK_REASONS = {
    "country_high_risk": 30,
    "category_high_risk": 15,
    "tax_id_invalid": 20,
    "document_missing": 10,
    "document_expired": 15,
    "screening_potential_match": 40,
    "screening_confirmed_match": 100,
    "bank_country_differs": 15,
    "bank_recently_changed": 15,
    "bank_shared": 50,
}
# What people read instead of the reason codes (apps.portal.labels collects these).
RISK_REASON_LABELS = {
    "country_high_risk": gettext_lazy("High-risk country"),
    "category_high_risk": gettext_lazy("High-risk category"),
    "tax_id_invalid": gettext_lazy("Tax id not valid"),
    "document_missing": gettext_lazy("Required document missing"),
    "document_expired": gettext_lazy("Document expired"),
    "screening_potential_match": gettext_lazy("Possible sanctions match"),
    "screening_confirmed_match": gettext_lazy("Confirmed sanctions match"),
    "bank_country_differs": gettext_lazy("Bank in another country"),
    "bank_recently_changed": gettext_lazy("Bank details changed recently"),
    "bank_shared": gettext_lazy("Bank account shared with another supplier"),
}
DEFAULT_SUPPLIER_POLICY: dict[str, Any] = {
    "required_documents": [
        {"id": "us-tax-form", "name": "US suppliers: W-9", "when": "country == 'US'",
         "documents": ["w9"]},
        {"id": "eu-gb-vat", "name": "EU and UK suppliers: VAT registration certificate",
         "when": "eu || country == 'GB'", "documents": ["vat_certificate"]},
        {"id": "foreign-tax-form", "name": "Other foreign suppliers: W-8BEN",
         "when": "!eu && country != 'US' && country != 'GB'", "documents": ["w8ben"]},
        {"id": "insurance", "name": "Services and facilities, or high risk: insurance",
         "when": "category in ['SRV', 'FAC'] || risk == 'high'",
         "documents": ["insurance_certificate"]},
        {"id": "bank-letter", "name": "Medium and high risk: bank confirmation letter",
         "when": "risk != 'low'", "documents": ["bank_letter"]},
    ],
    "onboarding": {
        "rules": [
            {"id": "high-risk", "name": "High risk: a buyer, then compliance",
             "when": "risk == 'high'",
             "steps": [{"approver": {"type": "role", "role": "buyer"}},
                       {"approver": {"type": "role", "role": "compliance"}}]},
            {"id": "standard", "name": "Low and medium risk: a buyer", "when": "true",
             "steps": [{"approver": {"type": "role", "role": "buyer"}}]},
        ]
    },
    "screening": {"threshold": 88},
    "risk": {
        "high_risk_countries": ["AF", "BY", "CU", "IR", "KP", "MM", "RU", "SY", "VE"],
        "high_risk_categories": ["SRV"],
        "points": dict(RISK_REASONS),
        "medium_at": 25,
        "high_at": 50,
    },
    "non_compliant_orders": "block",
    "renewal_alert_days": [30, 14, 7],
    "bank_change_recent_days": 30,
}  # fmt: skip


def validate_supplier_section(
    section: Any, errors: dict[str, list[str]], validate_step: Any
) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    if section is None:
        section = {}
    if not isinstance(section, dict):
        errors["suppliers"] = [_("The suppliers section is an object.")]
        return copy.deepcopy(DEFAULT_SUPPLIER_POLICY)
    out = copy.deepcopy(DEFAULT_SUPPLIER_POLICY)
    for key, value in section.items():
        if key not in out:
            errors[f"suppliers.{key}"] = [_("Unknown setting.")]
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value

    where = "suppliers.required_documents"
    if not isinstance(out["required_documents"], list):
        errors[where] = [_("A list of rules.")]
        out["required_documents"] = []
    for i, rule in enumerate(out["required_documents"]):
        if not isinstance(rule, dict):
            errors[f"{where}[{i}]"] = [_("A rule is an object with id, when and documents.")]
            continue
        try:
            compile_condition(rule.get("when", ""), "supplier")
        except ValueError as exc:
            errors[f"{where}[{i}].when"] = [condition_error(rule, exc)]
        documents = rule.get("documents")
        if not isinstance(documents, list) or not set(documents) <= DOCUMENT_TYPES:
            errors[f"{where}[{i}].documents"] = [
                _("Document types are: %s.") % ", ".join(sorted(DOCUMENT_TYPES))
            ]

    rules = (out.get("onboarding") or {}).get("rules")
    if not isinstance(rules, list) or not rules:
        errors["suppliers.onboarding.rules"] = [_("Onboarding needs at least one rule.")]
    else:
        for i, rule in enumerate(rules):
            here = f"suppliers.onboarding.rules[{i}]"
            if not isinstance(rule, dict) or not rule.get("id"):
                errors[here] = [_("A rule is an object with id, when and steps.")]
                continue
            try:
                compile_condition(rule.get("when", ""), "supplier")
            except ValueError as exc:
                errors[f"{here}.when"] = [condition_error(rule, exc)]
            for j, step in enumerate(rule.get("steps", [])):
                validate_step(step, f"{here}.steps[{j}]", errors)
                if isinstance(step, dict) and (step.get("approver") or {}).get("type") in {
                    "cost_center_manager",
                    "management_chain",
                }:
                    errors[f"{here}.steps[{j}].approver"] = [
                        _("Onboarding steps name a role or a user.")
                    ]

    threshold = (out.get("screening") or {}).get("threshold")
    if not isinstance(threshold, int | float) or not 50 <= threshold <= 100:
        errors["suppliers.screening.threshold"] = [_("A score between 50 and 100.")]
    risk = out["risk"]
    if not isinstance(risk.get("points"), dict) or set(risk["points"]) - set(RISK_REASONS):
        errors["suppliers.risk.points"] = [_("Reasons are: %s.") % ", ".join(RISK_REASONS)]
    else:
        risk["points"] = {**RISK_REASONS, **risk["points"]}
    medium, high = risk.get("medium_at"), risk.get("high_at")
    if not isinstance(medium, int) or not isinstance(high, int) or not 0 < medium < high:
        errors["suppliers.risk"] = [
            _("medium_at and high_at are whole numbers, medium below high.")
        ]
    if out["non_compliant_orders"] not in {"block", "allow"}:
        errors["suppliers.non_compliant_orders"] = [_("Choose block or allow.")]
    days = out["renewal_alert_days"]
    if not isinstance(days, list) or not all(isinstance(d, int) and d > 0 for d in days):
        errors["suppliers.renewal_alert_days"] = [_("Whole numbers of days, e.g. [30, 14, 7].")]
    else:
        out["renewal_alert_days"] = sorted(set(days), reverse=True)
    recent = out["bank_change_recent_days"]
    if not isinstance(recent, int) or recent < 0:
        errors["suppliers.bank_change_recent_days"] = [_("A whole number of days.")]
    return out
