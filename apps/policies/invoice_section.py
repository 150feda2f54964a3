"""The `invoices` section of the policy document: matching tolerances and AP controls.

    "invoices": {
      "two_way_categories": ["SRV", "IT-SW"],     # services: PO vs invoice; others three-way
      "tolerances": {
        "price":    {"percent": 2, "absolute": 50, "combine": "and"},   # per line, per unit
        "quantity": {"percent": 0, "absolute": 0,  "combine": "or"},    # per line
        "header":   {"percent": 2, "absolute": 100, "combine": "and"},  # invoice net vs PO
        "categories": {"MKT": {"price": {"percent": 5, "absolute": 200, "combine": "and"}}}
      },
      "approval_above": 10000,          # net amount needing an approval step (null: never)
      "approval_role": "ap_manager",
      "over_receipt_percent": 0,        # how far a receipt may exceed the ordered quantity
      "variance_authority": {"ap_clerk": 100, "buyer": 1000, "ap_manager": 10000},
      "exception_sla_hours": 48,
      "exception_escalation_role": "ap_manager",   # told when an exception passes its SLA
      "amount_anomaly_sigma": 2,        # total beyond mean ± N std. dev. of the supplier's history
      "amount_anomaly_history": 10,     # …of at least this many approved invoices (10..30)
      "early_invoice_share": 0.25,      # sooner than this share of the usual interval → early
      "duplicates": {"number_similarity": 0.8, "date_window_days": 7},
      "payment_horizon_days": 14,
      "header_only_matching": "header"  # MINIMUM / BASIC WL: "header" or "lines" (AP adds them)
    }

The amount anomaly compares a total with the last 30 approved (or paid) invoices of the same
supplier in the same currency; with fewer than `amount_anomaly_history` there is no signal.
`amount_anomaly_factor` (N times the supplier's average, before issue 33) is still accepted in
older documents and ignored: the statistical check replaced it. `early_invoice_share: 0` turns
the timing signal off.

A tolerance holds a percentage and an absolute limit. The absolute limit is checked first
(Ariba's model): with "and" a variance must be within both, with "or" within either. A
missing limit (null) is not checked; a tolerance with neither limit accepts no variance.
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.roles import ROLE_LABELS, SUPPLIER

INTERNAL_ROLES = set(ROLE_LABELS) - {SUPPLIER}
# settings of older documents still accepted, and ignored (see the docstring)
RETIRED = {"amount_anomaly_factor"}
# the history the amount anomaly reads: at most this many of the supplier's latest invoices
AMOUNT_HISTORY_MAX = 30

TOLERANCE_KINDS = ("price", "quantity", "header")
DEFAULT_INVOICE_POLICY: dict[str, Any] = {
    "two_way_categories": ["SRV", "IT-SW"],
    "tolerances": {
        "price": {"percent": 2, "absolute": 50, "combine": "and"},
        "quantity": {"percent": 0, "absolute": 0, "combine": "or"},
        "header": {"percent": 2, "absolute": 100, "combine": "and"},
        "categories": {},
    },
    "approval_above": 10000,
    "approval_role": "ap_manager",
    "over_receipt_percent": 0,
    "variance_authority": {"ap_clerk": 100, "buyer": 1000, "ap_manager": 10000},
    "exception_sla_hours": 48,
    "exception_escalation_role": "ap_manager",
    "amount_anomaly_sigma": 2,
    "amount_anomaly_history": 10,
    "early_invoice_share": 0.25,
    "duplicates": {"number_similarity": 0.8, "date_window_days": 7},
    "payment_horizon_days": 14,
    "header_only_matching": "header",
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_tolerance(value: Any, where: str, errors: dict[str, list[str]]) -> None:
    if not isinstance(value, dict) or set(value) - {"percent", "absolute", "combine"}:
        errors[where] = [_("A tolerance has percent, absolute and combine (and/or).")]
        return
    for key in ("percent", "absolute"):
        if value.get(key) is not None and not _number(value[key]):
            errors[f"{where}.{key}"] = [_("A number of zero or more, or null.")]
    if value.get("combine", "and") not in {"and", "or"}:
        errors[f"{where}.combine"] = [_("Choose and or or.")]


def validate_invoice_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_INVOICE_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["invoices"] = [_("The invoices section is an object.")]
        return out
    for key, value in section.items():
        if key in RETIRED:
            continue
        if key not in out:
            errors[f"invoices.{key}"] = [_("Unknown setting.")]
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    tolerances = out["tolerances"]
    if not isinstance(tolerances, dict):
        errors["invoices.tolerances"] = [_("An object of price, quantity, header, categories.")]
        out["tolerances"] = tolerances = copy.deepcopy(DEFAULT_INVOICE_POLICY["tolerances"])
    for kind in TOLERANCE_KINDS:
        _check_tolerance(tolerances.get(kind), f"invoices.tolerances.{kind}", errors)
    overrides = tolerances.get("categories") or {}
    if not isinstance(overrides, dict):
        errors["invoices.tolerances.categories"] = [_("Spend category codes to tolerances.")]
    else:
        for code, override in overrides.items():
            if not isinstance(override, dict) or set(override) - set(TOLERANCE_KINDS):
                errors[f"invoices.tolerances.categories.{code}"] = [
                    _("Override price, quantity or header.")
                ]
                continue
            for kind, value in override.items():
                _check_tolerance(value, f"invoices.tolerances.categories.{code}.{kind}", errors)
    if not isinstance(out["two_way_categories"], list):
        errors["invoices.two_way_categories"] = [_("A list of spend category codes.")]
    above = out["approval_above"]
    if above is not None and not _number(above):
        errors["invoices.approval_above"] = [_("An amount, or null for no approval step.")]
    for key in ("over_receipt_percent", "amount_anomaly_sigma", "payment_horizon_days"):
        if not _number(out[key]):
            errors[f"invoices.{key}"] = [_("A number of zero or more.")]
    history = out["amount_anomaly_history"]
    if (
        not isinstance(history, int)
        or isinstance(history, bool)
        or not 2 <= history <= AMOUNT_HISTORY_MAX
    ):
        errors["invoices.amount_anomaly_history"] = [
            _("A whole number of invoices from 2 to %s.") % AMOUNT_HISTORY_MAX
        ]
    share = out["early_invoice_share"]
    if not _number(share) or share >= 1:
        errors["invoices.early_invoice_share"] = [_("A share from 0 (off) to below 1.")]
    hours = out["exception_sla_hours"]
    if not _number(hours) or hours == 0:
        errors["invoices.exception_sla_hours"] = [_("A positive number of hours.")]
    if out["exception_escalation_role"] not in INTERNAL_ROLES:
        errors["invoices.exception_escalation_role"] = [
            _("One of the roles: %s.") % ", ".join(sorted(INTERNAL_ROLES))
        ]
    authority = out["variance_authority"]
    if not isinstance(authority, dict) or not all(_number(v) for v in authority.values()):
        errors["invoices.variance_authority"] = [_("Roles to the largest variance they accept.")]
    if out["header_only_matching"] not in ("header", "lines"):
        errors["invoices.header_only_matching"] = [
            _("header (match the totals against the order) or lines (AP adds or confirms them).")
        ]
    duplicates = out["duplicates"]
    similarity = duplicates.get("number_similarity") if isinstance(duplicates, dict) else None
    if not isinstance(similarity, int | float) or not 0 < similarity <= 1:
        errors["invoices.duplicates.number_similarity"] = [_("A share between 0 and 1.")]
    window = duplicates.get("date_window_days") if isinstance(duplicates, dict) else None
    if not isinstance(window, int) or window < 0:
        errors["invoices.duplicates.date_window_days"] = [_("A whole number of days.")]
    return out


def tolerances_for(section: dict[str, Any], category: str) -> dict[str, dict[str, Any]]:
    """The tolerances that apply to a spend category: the defaults with its overrides."""
    base = section["tolerances"]
    override = (base.get("categories") or {}).get(category, {})
    return {kind: {**base[kind], **override.get(kind, {})} for kind in TOLERANCE_KINDS}
