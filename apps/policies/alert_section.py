"""The `alerts` section of the policy document: the thresholds of the business alerts
(apps.alerts.rules, docs/operations.md). A missing setting takes its default; `null` turns
that rule off.

    "alerts": {
      "exception_queue_oldest_hours": 48,   # an exception queue's oldest open item older than
      "approval_sla_breaches": 5,           # more open approval steps past their SLA than
      "connector_failures": 3,              # a webhook endpoint's or ERP connection's last N
                                            # attempts all failed
      "mail_quarantine_percent": 20,        # more of the last day's invoice mail quarantined
      "mail_quarantine_minimum": 5,         # … once at least this many mails arrived
      "payment_unconfirmed_bank_days": 2,   # a released payment run unconfirmed after
      "audit_chain": true                   # the latest audit chain check failed
    }
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

DEFAULT_ALERT_POLICY: dict[str, Any] = {
    "exception_queue_oldest_hours": 48,
    "approval_sla_breaches": 5,
    "connector_failures": 3,
    "mail_quarantine_percent": 20,
    "mail_quarantine_minimum": 5,
    "payment_unconfirmed_bank_days": 2,
    "audit_chain": True,
}
WHOLE = {"connector_failures", "mail_quarantine_minimum", "payment_unconfirmed_bank_days"}


def validate_alert_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_ALERT_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["alerts"] = [_("The alerts section is an object.")]
        return out
    for key, value in section.items():
        if key not in out:
            errors[f"alerts.{key}"] = [_("Unknown setting.")]
            continue
        out[key] = value
        if value is None:
            continue  # the rule is off
        if key == "audit_chain":
            if not isinstance(value, bool):
                errors["alerts.audit_chain"] = [_("true or false.")]
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            errors[f"alerts.{key}"] = [_("A number of zero or more, or null (off).")]
        elif key in WHOLE and (not isinstance(value, int) or value < 1):
            errors[f"alerts.{key}"] = [_("A whole number, at least 1, or null (off).")]
    return out
