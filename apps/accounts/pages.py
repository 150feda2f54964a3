"""Which pages each role may use: one registry that draws the menu and that every page's view
asks before it answers (`require_page`). docs/roles.md shows it as a table written from this
registry and ROLE_CAPABILITIES (a test keeps them equal), and a test signs in as every role
and opens every page: those in the role's menu answer, the rest refuse with 403.

A page is open to a person holding any of its capabilities. What the page then shows is the
services' business (a requester sees only their own requisitions, a supplier its own
records)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    label: str | Promise
    capabilities: frozenset[str]


def _page(key: str, path: str, label: str | Promise, *capabilities: str) -> Page:
    return Page(key, path, label, frozenset(capabilities))


# in menu order
PAGES: tuple[Page, ...] = (
    _page(
        "requisitions",
        "/requisitions/",
        _("Requisitions"),
        "submit_requisition",
        "approve",
        "manage_purchase_orders",
        "view_audit",
    ),
    _page("tasks", "/tasks/", _("Tasks"), "approve"),
    _page(
        "purchase_orders",
        "/purchase-orders/",
        _("Purchase orders"),
        "submit_requisition",
        "manage_purchase_orders",
        "post_goods_receipt",
        "process_invoices",
        "view_audit",
    ),
    _page(
        "contracts",
        "/contracts/",
        _("Contracts"),
        "manage_contracts",
        "manage_purchase_orders",
        "view_audit",
    ),
    _page(
        "suppliers",
        "/suppliers/",
        _("Suppliers"),
        "manage_suppliers",
        "verify_bank_details",
        "review_screening",
        "process_invoices",
        "view_audit",
    ),
    _page("screening", "/suppliers/screening/", _("Screening"), "review_screening"),
    _page(
        "invoices",
        "/invoices/",
        _("Invoices"),
        "process_invoices",
        "approve",
        "manage_purchase_orders",
        "post_goods_receipt",
        "review_screening",
        "view_audit",
    ),
    # who works at least one exception queue (apps.invoices.exception_codes.QUEUES), and who
    # reads them all: auditors, and insights' readers (the lists its figures open)
    _page(
        "exceptions",
        "/exceptions/",
        _("Exceptions"),
        "process_invoices",
        "manage_purchase_orders",
        "post_goods_receipt",
        "review_screening",
        "view_audit",
        "view_insights",
    ),
    _page("invoice_mail", "/invoices/mail/", _("Invoice e-mail"), "process_invoices", "view_audit"),
    _page("payments", "/payments/", _("Payments"), "process_invoices", "view_audit"),
    _page("audit", "/audit/", _("Audit"), "view_audit"),
    # the whole page for view_insights; the rest see the sections of their own work
    # (apps.insights.kpis.SECTIONS)
    _page(
        "insights",
        "/insights/",
        _("Insights"),
        "view_insights",
        "process_invoices",
        "approve",
        "manage_purchase_orders",
        "manage_suppliers",
    ),
    _page(
        "reference_data",
        "/settings/reference-data/",
        _("Reference data"),
        "manage_reference_data",
        "view_audit",
    ),
    _page(
        "integrations",
        "/settings/integrations/",
        _("Integrations"),
        "manage_webhooks",
        "view_audit",
    ),
    # the operator's page: queues, failing connectors, dead letters, the audit chain
    _page("operations", "/settings/operations/", _("Operations"), "manage_settings"),
    # what each AI assistant may do, its model and every piece of advice it showed
    _page(
        "assistants", "/settings/assistants/", _("AI assistants"), "manage_settings", "view_audit"
    ),
    _page("settings", "/settings/", _("Settings"), "manage_users"),
    _page("supplier_portal", "/supplier-portal/", _("Supplier portal"), "use_supplier_portal"),
)
BY_KEY = {page.key: page for page in PAGES}


def perms_of(page: str) -> tuple[str, ...]:
    """The page's capabilities as Django permission names (`accounts.approve`, …)."""
    return tuple(sorted(f"accounts.{c}" for c in BY_KEY[page].capabilities))


def may_open(user: Any, page: str) -> bool:
    return bool(user.is_authenticated) and any(user.has_perm(p) for p in perms_of(page))


def require_page(user: Any, page: str) -> None:
    """Refuse (403) a person whose roles do not open this page."""
    if not may_open(user, page):
        raise PermissionDenied


def menu_for(user: Any) -> list[Page]:
    return [page for page in PAGES if may_open(user, page.key)]


def pages_of_role(capabilities: set[str]) -> list[str]:
    """The pages a role opens, from its capabilities (for docs/roles.md and the tests)."""
    return [page.key for page in PAGES if page.capabilities & capabilities]
