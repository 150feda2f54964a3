"""The `assistants` section of the policy document: each AI assistant on or off for the
tenant, and the confidence it needs before its advice does more than sit beside the form
(docs/ai.md). A missing assistant takes its default.

    "assistants": {
      "spend_coding":      {"enabled": true, "threshold": 0.6},   # pre-selects category and
                                                                 # cost center above it
      "invoice_reading":   {"enabled": true, "threshold": 0.8},   # pre-fills a field above it
      "exception_advice":  {"enabled": true, "threshold": 0.5},   # suggests a resolution above it
      "routing":           {"enabled": true, "threshold": 0.5},   # recommends an owner above it
      "anomaly":           {"enabled": true, "threshold": 0.7},   # raises a review above it
      "supplier_answers":  {"enabled": true, "threshold": 0.5}    # answers above it, else hands
                                                                 # the question to AP
    }
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

ASSISTANTS = (
    "spend_coding",
    "invoice_reading",
    "exception_advice",
    "routing",
    "anomaly",
    "supplier_answers",
)
DEFAULT_THRESHOLDS = {
    "spend_coding": 0.6,
    "invoice_reading": 0.8,
    "exception_advice": 0.5,
    "routing": 0.5,
    "anomaly": 0.7,
    "supplier_answers": 0.5,
}
DEFAULT_ASSISTANT_POLICY: dict[str, dict[str, Any]] = {
    name: {"enabled": True, "threshold": DEFAULT_THRESHOLDS[name]} for name in ASSISTANTS
}


def validate_assistant_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_ASSISTANT_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["assistants"] = [_("The assistants section is an object.")]
        return out
    for name, setting in section.items():
        where = f"assistants.{name}"
        if name not in out:
            errors[where] = [_("Unknown assistant.")]
            continue
        if not isinstance(setting, dict):
            errors[where] = [_("An object with enabled and threshold.")]
            continue
        for key, value in setting.items():
            if key == "enabled":
                if not isinstance(value, bool):
                    errors[f"{where}.enabled"] = [_("true or false.")]
                    continue
            elif key == "threshold":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    errors[f"{where}.threshold"] = [_("A number from 0 to 1.")]
                    continue
                if not 0 <= value <= 1:
                    errors[f"{where}.threshold"] = [_("A number from 0 to 1.")]
                    continue
            else:
                errors[f"{where}.{key}"] = [_("Unknown setting.")]
                continue
            out[name][key] = value
    return out
