"""The roles of a partner's own people on the public host, and what each may do.

A partner admin runs the partner: its people, its client tenants' lifecycle, everything below.
An operator provisions and brands tenants, writes and publishes policy templates and keeps
sandboxes. Support asks a client for time-boxed access to look at a problem. Billing reads
usage and sets plan limits. Every partner user sees the console's list of clients and figures
(counts only, never a tenant's rows)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PARTNER_ADMIN = "partner_admin"
PARTNER_OPERATOR = "partner_operator"
PARTNER_SUPPORT = "partner_support"
PARTNER_BILLING = "partner_billing"

PARTNER_ROLE_LABELS = {
    PARTNER_ADMIN: _("Partner admin"),
    PARTNER_OPERATOR: _("Operator"),
    PARTNER_SUPPORT: _("Support"),
    PARTNER_BILLING: _("Billing"),
}

_EVERYONE = {"view_console"}
PARTNER_ROLE_CAPABILITIES: dict[str, set[str]] = {
    PARTNER_ADMIN: _EVERYONE
    | {
        "manage_partner_users",
        "manage_tenants",
        "manage_lifecycle",
        "manage_templates",
        "manage_sandboxes",
        "request_support_access",
        "view_usage",
        "manage_plans",
    },
    PARTNER_OPERATOR: _EVERYONE | {"manage_tenants", "manage_templates", "manage_sandboxes"},
    PARTNER_SUPPORT: _EVERYONE | {"request_support_access"},
    PARTNER_BILLING: _EVERYONE | {"view_usage", "manage_plans"},
}
PARTNER_CAPABILITY_LABELS = {
    "view_console": _("see the client list and its figures"),
    "manage_partner_users": _("invite and remove the partner's people"),
    "manage_tenants": _("create, brand, suspend and resume client tenants"),
    "manage_lifecycle": _("offboard a client tenant"),
    "manage_templates": _("write and publish policy templates"),
    "manage_sandboxes": _("create sandbox tenants"),
    "request_support_access": _("ask a client for support access"),
    "view_usage": _("read usage for billing"),
    "manage_plans": _("set plan limits"),
}
ALL_PARTNER_CAPABILITIES = sorted(set().union(*PARTNER_ROLE_CAPABILITIES.values()))
