"""Who must use a second factor: every partner user (the partner console), and on a tenant
host each person holding a role the tenant's policy names (`mfa.required_roles`, by default
tenant admin, AP manager and compliance). The policy sits above accounts: its `policies` app
hands the published list over through `register_required_roles` (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.controls.registries import HookRegistry

from ..roles import AP_MANAGER, COMPLIANCE, TENANT_ADMIN
from .devices import is_partner_user

DEFAULT_REQUIRED_ROLES = [TENANT_ADMIN, AP_MANAGER, COMPLIANCE]

_sources = HookRegistry[Callable[[], list[str] | None]](
    "accounts.mfa.policy.register_required_roles",
    "the roles whose people must use a second factor (the policy's `mfa` section)",
)


def register_required_roles(source: Callable[[], list[str] | None]) -> None:
    _sources.append(source)


def required_roles() -> list[str]:
    """The tenant's list; the default when no source answers (no published policy)."""
    for source in _sources:
        roles = source()
        if roles is not None:
            return list(roles)
    return list(DEFAULT_REQUIRED_ROLES)


def must_use_mfa(user: Any, *, public: bool) -> bool:
    """Whether `user` must enrol and verify a second factor on this host."""
    if user is None or not user.is_authenticated:
        return False
    if public:
        return is_partner_user(user)
    roles = required_roles()
    return bool(roles) and user.groups.filter(name__in=roles).exists()
