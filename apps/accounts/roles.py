"""Roles and their permission matrix (docs/roles.md is written from ROLE_CAPABILITIES).

A role is a Django group in the tenant's schema; its permissions are the capabilities below.
Object-level limits (a supplier user sees only its supplier) use django-guardian on top.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

REQUESTER = "requester"
APPROVER = "approver"
MANAGER = "manager"
BUYER = "buyer"
RECEIVER = "receiver"
AP_CLERK = "ap_clerk"
AP_MANAGER = "ap_manager"
AUDITOR = "auditor"
TENANT_ADMIN = "tenant_admin"
SUPPLIER = "supplier"
COMPLIANCE = "compliance"

ROLE_LABELS = {
    REQUESTER: _("Requester"),
    APPROVER: _("Approver"),
    MANAGER: _("Manager"),
    BUYER: _("Buyer"),
    RECEIVER: _("Receiver"),
    AP_CLERK: _("AP clerk"),
    AP_MANAGER: _("AP manager"),
    AUDITOR: _("Auditor"),
    TENANT_ADMIN: _("Tenant admin"),
    SUPPLIER: _("Supplier"),
    COMPLIANCE: _("Compliance officer"),
}

_INTERNAL = {"view_reference_data"}
ROLE_CAPABILITIES: dict[str, set[str]] = {
    REQUESTER: _INTERNAL | {"submit_requisition"},
    APPROVER: _INTERNAL | {"approve"},
    MANAGER: _INTERNAL | {"approve", "submit_requisition", "view_insights"},
    # buyers approve supplier onboarding (the policy names the role)
    BUYER: _INTERNAL
    | {
        "submit_requisition",
        "manage_purchase_orders",
        "manage_suppliers",
        "manage_contracts",
        "approve",
    },
    RECEIVER: _INTERNAL | {"post_goods_receipt"},
    AP_CLERK: _INTERNAL | {"process_invoices", "verify_bank_details"},
    AP_MANAGER: _INTERNAL | {"process_invoices", "release_payments", "approve", "view_insights"},
    AUDITOR: _INTERNAL | {"view_audit", "view_insights"},
    TENANT_ADMIN: _INTERNAL
    | {
        "manage_reference_data",
        "manage_users",
        "manage_settings",
        "manage_webhooks",
        "manage_suppliers",
        "manage_contracts",
        "view_audit",
        "view_insights",
    },
    SUPPLIER: {"use_supplier_portal"},
    COMPLIANCE: _INTERNAL | {"approve", "review_screening", "verify_bank_details"},
}
ALL_CAPABILITIES = sorted(set().union(*ROLE_CAPABILITIES.values()))

# what each capability lets a person do, in the reader's language (the permission names of
# apps.accounts.models.User say the same in English, for Django's own admin and migrations)
CAPABILITY_LABELS = {
    "view_reference_data": _("Can view reference data"),
    "manage_reference_data": _("Can change reference data"),
    "submit_requisition": _("Can create and submit requisitions"),
    "approve": _("Can decide approval tasks"),
    "manage_purchase_orders": _("Can issue and change purchase orders"),
    "manage_contracts": _("Can register contracts and their catalogs"),
    "post_goods_receipt": _("Can post goods receipts"),
    "manage_suppliers": _("Can invite and review suppliers"),
    "process_invoices": _("Can work invoices and exceptions"),
    "release_payments": _("Can approve invoices for payment"),
    "view_audit": _("Can read the audit trail and evidence packs"),
    "view_insights": _("Can read every figure on the insights pages"),
    "manage_users": _("Can invite users and assign roles"),
    "manage_settings": _("Can change tenant settings and policies"),
    "manage_webhooks": _("Can manage webhook endpoints"),
    "use_supplier_portal": _("Can use the supplier portal"),
    "review_screening": _("Can review sanctions screening hits"),
    "verify_bank_details": _("Can verify and approve supplier bank changes"),
}


def role_definitions() -> dict[str, set[str]]:
    """What sync_roles writes into every schema: each role's capabilities."""
    return ROLE_CAPABILITIES


def sync_roles() -> None:
    """Create or update each role's group so it holds exactly its capabilities."""
    from django.contrib.auth.models import Group, Permission

    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="accounts", codename__in=ALL_CAPABILITIES
        )
    }
    if len(perms) != len(ALL_CAPABILITIES):
        return  # permissions not created yet in this schema; post_migrate runs again later
    for role, capabilities in ROLE_CAPABILITIES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in capabilities])


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are created by another post_migrate receiver whose order is not ours to
    # choose; creating them here first is idempotent.
    create_permissions(sender, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()
