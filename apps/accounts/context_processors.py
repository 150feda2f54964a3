from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.tenancy.partner_pages import partner_menu

from .pages import menu_for


def menu(request: HttpRequest) -> dict[str, Any]:
    """The pages the signed-in person's roles open (apps.accounts.pages): the top bar, and
    `openable` (their keys) for links from one page to another."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if user is None or not user.is_authenticated or tenant is None:
        return {"menu": [], "openable": frozenset()}
    if tenant.is_public:
        # the partner console: the pages the person's partner role opens (partner_pages)
        return {"menu": [], "openable": frozenset(), "partner_menu": partner_menu(user)}
    menu = menu_for(user)
    # a page links to another only where this person may open it (no link that answers 403)
    return {"menu": menu, "openable": frozenset(page.key for page in menu)}
