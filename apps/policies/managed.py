"""A tenant whose policy a partner manages: the document's fields a template can set, their
names for people, and the lock check the policy services run on every draft and publication.

A field is one settable part of the policy document, named by its path: a setting
(`settings.budget_mode`), a whole list (`sod`, `access_conflicts`, `rules`: the route list is
one field), or one setting of a section (`invoices.tolerances`, `suppliers.risk`,
`alerts.approval_sla_breaches`, `assistants.routing`, `retention.invoices`). A template marks
each field it sets `locked` (the client cannot change it) or `local` (the client may).

The binding itself (`PolicyManagement`) is written by the partner's side (apps.partners) when it
publishes a template version to this tenant; policies sits below partners and only reads it."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .alert_section import DEFAULT_ALERT_POLICY
from .assistant_section import DEFAULT_ASSISTANT_POLICY
from .document import DEFAULT_SETTINGS
from .invoice_section import DEFAULT_INVOICE_POLICY
from .mfa_section import DEFAULT_MFA_POLICY
from .retention_section import DEFAULT_RETENTION_POLICY
from .session_section import DEFAULT_SESSION_POLICY
from .supplier_section import DEFAULT_SUPPLIER_POLICY

PATH_MARK = "\u203a"  # the single right-pointing angle quotation mark
LOCKED = "locked"
LOCAL = "local"
MODES = (LOCKED, LOCAL)

SECTION_LABELS = {
    "settings": gettext_lazy("Settings"),
    "sod": gettext_lazy("Segregation of duties"),
    "access_conflicts": gettext_lazy("Access conflicts"),
    "rules": gettext_lazy("Approval rules"),
    "suppliers": gettext_lazy("Supplier rules"),
    "invoices": gettext_lazy("Invoice matching"),
    "alerts": gettext_lazy("Alert rules"),
    "assistants": gettext_lazy("Assistants"),
    "mfa": gettext_lazy("Second factor"),
    "retention": gettext_lazy("Retention"),
    "sessions": gettext_lazy("Sessions"),
}
_SECTION_KEYS: dict[str, list[str]] = {
    "settings": list(DEFAULT_SETTINGS),
    "suppliers": list(DEFAULT_SUPPLIER_POLICY),
    "invoices": list(DEFAULT_INVOICE_POLICY),
    "alerts": list(DEFAULT_ALERT_POLICY),
    "assistants": list(DEFAULT_ASSISTANT_POLICY),
    "mfa": list(DEFAULT_MFA_POLICY),
    "retention": list(DEFAULT_RETENTION_POLICY),
    "sessions": list(DEFAULT_SESSION_POLICY),
}
# every path a template may set, in the order the document reads
FIELD_PATHS: list[str] = [
    *(f"settings.{key}" for key in _SECTION_KEYS["settings"]),
    "sod",
    "access_conflicts",
    "rules",
    *(
        f"{section}.{key}"
        for section in (
            "suppliers",
            "invoices",
            "alerts",
            "assistants",
            "mfa",
            "retention",
            "sessions",
        )
        for key in _SECTION_KEYS[section]
    ),
]
_KNOWN = set(FIELD_PATHS)


def field_label(path: str) -> str:
    """`settings.budget_mode` → "Settings \u203a budget mode" (a single right-pointing angle
    quotation mark between the section and the setting)."""
    section, _sep, key = path.partition(".")
    head = str(SECTION_LABELS.get(section, section.replace("_", " ")))
    words = [_ACRONYMS.get(word, word) for word in key.split("_")]
    return f"{head} {PATH_MARK} {' '.join(words)}" if key else head


# the setting names' abbreviations, as finance teams write them
_ACRONYMS = {"sla": "SLA", "po": "PO", "erp": "ERP", "ap": "AP", "sod": "SoD", "iban": "IBAN"}


def field_value(document: dict[str, Any], path: str) -> Any:
    section, _sep, key = path.partition(".")
    value = document.get(section)
    if key:
        return copy.deepcopy(value.get(key)) if isinstance(value, dict) else None
    return copy.deepcopy(value)


def field_set(document: dict[str, Any], path: str, value: Any) -> None:
    section, _sep, key = path.partition(".")
    if key:
        part = document.get(section)
        if not isinstance(part, dict):
            part = document[section] = {}
        part[key] = copy.deepcopy(value)
    else:
        document[section] = copy.deepcopy(value)


def fields_errors(fields: Any) -> dict[str, list[str]]:
    """Problems with a template's {path: "locked" | "local"}, by field."""
    if not isinstance(fields, dict) or not fields:
        return {"fields": [_("Mark at least one field of the policy locked or local.")]}
    errors: dict[str, list[str]] = {}
    for path, mode in fields.items():
        if path not in _KNOWN:
            errors[f"fields.{path}"] = [_("A template cannot set this part of the policy.")]
        elif mode not in MODES:
            errors[f"fields.{path}"] = [_("Mark it locked or local.")]
    return errors


def locked_refusals(
    document: dict[str, Any], *, locked: dict[str, Any], managed_by: str
) -> dict[str, list[str]]:
    """The locked fields `document` changes, each with the sentence naming the template."""
    return {
        path: [
            _("%(field)s is locked by %(template)s.")
            % {"field": field_label(path), "template": managed_by}
        ]
        for path, value in locked.items()
        if field_value(document, path) != value
    }
