"""The supplier portal's frame: who the signed-in supplier is, and the sections later contexts
add to its home page (procurement its orders, invoices its invoices and credit requests),
registered from their AppConfig.ready() because suppliers sits below them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.controls.registries import KeyedRegistry

from .models import Supplier
from .selectors import supplier_of

HOME_ROWS = 10  # the portal home shows the latest; the full lists are paged

# name → section(user, supplier) returning the section's template context
_home_sections = KeyedRegistry[Callable[[User, Supplier], dict[str, Any]]](
    "suppliers.portal.register_home_section",
    "the supplier portal's orders, invoices and contracts",
)


def register_home_section(name: str, section: Callable[[User, Supplier], dict[str, Any]]) -> None:
    _home_sections[name] = section


def home_sections(user: User, supplier: Supplier) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for section in _home_sections.values():
        context.update(section(user, supplier))
    return context


def portal_supplier(request: HttpRequest) -> Supplier:
    """The supplier whose portal this user may use, or 403."""
    user = current_user(request)
    if not user.has_perm("accounts.use_supplier_portal"):
        raise PermissionDenied
    supplier = supplier_of(user)
    if supplier is None:
        raise PermissionDenied
    return supplier
