"""The `mfa` section of the policy document: which roles must use a second factor (enrol an
authenticator, then give its code at each sign-in). Partner users always must; step-up at the
money-moving moments asks everyone (docs/identity.md).

    "mfa": {"required_roles": ["tenant_admin", "ap_manager", "compliance"]}
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.mfa.policy import DEFAULT_REQUIRED_ROLES
from apps.accounts.roles import ROLE_CAPABILITIES

DEFAULT_MFA_POLICY: dict[str, Any] = {"required_roles": list(DEFAULT_REQUIRED_ROLES)}


def validate_mfa_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_MFA_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["mfa"] = [_("The mfa section is an object.")]
        return out
    for key, value in section.items():
        if key not in out:
            errors[f"mfa.{key}"] = [_("Unknown setting.")]
            continue
        if not isinstance(value, list) or any(role not in ROLE_CAPABILITIES for role in value):
            errors[f"mfa.{key}"] = [_("A list of roles: %s.") % ", ".join(ROLE_CAPABILITIES)]
            continue
        out[key] = sorted(set(value), key=value.index)
    return out


def published_required_roles() -> list[str] | None:
    """The published policy's list (None without a published policy: the default holds)."""
    from .models import PolicyVersion

    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .only("document")
        .first()
    )
    if version is None:
        return None
    errors: dict[str, list[str]] = {}
    return list(validate_mfa_section(version.document.get("mfa"), errors)["required_roles"])
