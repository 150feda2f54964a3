"""Service-account scopes: what each opens (method and API route name) and the capabilities
its calls need; and how a key is made and stored (its SHA-256 digest: a slow password hash
buys nothing for 32 random bytes, and every API call looks the key up). The checks that use
them are in apps/integrations/keys.py."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "spk_"
_REFERENCE = {
    f"{kind}-{view}"
    for kind in ("legal-entity", "cost-center", "spend-category", "budget")
    for view in ("list", "detail")
}

# scope: (what it opens as (method, route name), the capabilities its calls need)
SCOPES: dict[str, tuple[set[tuple[str, str]], set[str]]] = {
    "reference:read": ({("GET", name) for name in _REFERENCE}, {"view_reference_data"}),
    "invoices:read": (
        {
            ("GET", "invoice-list"),
            ("GET", "invoice-detail"),
            ("GET", "invoice-file"),
            ("GET", "exception-list"),
            ("GET", "exception-detail"),
            ("GET", "invoice-mail"),
        },
        {"process_invoices", "view_reference_data"},
    ),
    "invoices:write": (
        {("POST", "invoice-list"), ("POST", "invoice-import-file"), ("POST", "invoice-mail")},
        {"process_invoices", "view_reference_data"},
    ),
    "invoices:export": ({("GET", "invoice-export")}, {"process_invoices"}),
    "suppliers:read": (
        {("GET", "supplier-list"), ("GET", "supplier-detail")},
        {"manage_suppliers", "view_reference_data"},
    ),
    # bank details never: they go through the bank change control, by people
    "suppliers:write": (
        {("POST", "supplier-list"), ("PATCH", "supplier-detail")},
        {"manage_suppliers", "view_reference_data"},
    ),
    "purchase_orders:read": (
        {
            ("GET", "purchase-order-list"),
            ("GET", "purchase-order-detail"),
            ("GET", "goods-receipt-list"),
            ("GET", "goods-receipt-detail"),
        },
        {"manage_purchase_orders", "view_reference_data"},
    ),
    # a contract-management system keeping the register and the catalogs in step
    "contracts:read": (
        {
            ("GET", "contract-list"),
            ("GET", "contract-detail"),
            ("GET", "contract-spend"),
            ("GET", "catalog-item-list"),
        },
        {"manage_contracts", "view_reference_data"},
    ),
    "contracts:write": (
        {
            ("POST", "contract-list"),
            ("PATCH", "contract-detail"),
            ("POST", "contract-activate"),
            ("POST", "contract-terminate"),
            ("POST", "contract-document"),
            ("POST", "catalog-item-list"),
            ("POST", "catalog-item-import-csv"),
        },
        {"manage_contracts", "view_reference_data"},
    ),
    "payments:read": (
        {
            ("GET", "payment-run-list"),
            ("GET", "payment-run-detail"),
            ("GET", "payment-run-pain001"),
            ("GET", "payment-run-csv-file"),
            ("GET", "payment-statement-list"),
        },
        {"release_payments"},
    ),
    "payments:write": (
        {("POST", "payment-run-confirm"), ("POST", "payment-statement-list")},
        {"release_payments"},
    ),
    # the identity provider's provisioning (apps/scim): /scim/v2/ only, no /api/ route; it
    # creates, changes and deactivates people and grants their roles
    "scim": (set(), {"manage_users"}),
}


def new_key() -> tuple[str, str, str]:
    """(key, its prefix for lists, its digest for storage)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[: len(KEY_PREFIX) + 6], digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def capabilities_of(scopes: list[str]) -> frozenset[str]:
    return frozenset(f"accounts.{c}" for s in scopes if s in SCOPES for c in SCOPES[s][1])


def allows(scopes: list[str], method: str, route: str) -> bool:
    return any((method, route) in SCOPES[s][0] for s in scopes if s in SCOPES)
