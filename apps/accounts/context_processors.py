from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .pages import menu_for


def menu(request: HttpRequest) -> dict[str, Any]:
    """The pages the signed-in person's roles open (apps.accounts.pages), for the top bar."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if user is None or not user.is_authenticated or tenant is None or tenant.is_public:
        return {"menu": []}
    return {"menu": menu_for(user)}
