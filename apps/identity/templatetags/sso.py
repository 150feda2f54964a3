"""`{% sso_sign_in_link next %}`: the sign-in page's "Sign in with <IdP>" when the tenant has
a single sign-on connection."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import sso_connection

register = template.Library()


@register.inclusion_tag("identity/sign_in_link.html")
def sso_sign_in_link(next_path: str = "") -> dict[str, Any]:
    return {"connection": sso_connection(), "next": next_path}
