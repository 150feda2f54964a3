from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .branding import clean_colour
from .contrast import link_colour, text_colour_on

PUBLIC_BRAND: dict[str, Any] = {
    "portal_name": "Spendgate Partner Console",
    "primary_color": "#334155",
    "accent_color": "#0F172A",
    "has_logo": False,
    "support_email": "",
    "version": 0,
}


def brand_colours(primary: str, accent: str) -> dict[str, str]:
    """The brand colours with the text colour that reads on each at AA, and the primary's shade
    that passes AA on the page for links (all #RRGGBB, computed from validated #RRGGBB values)."""
    return {
        "primary_color": primary,
        "primary_text": text_colour_on(primary),
        "accent_color": accent,
        "accent_text": text_colour_on(accent),
        "link_color": link_colour(primary),
    }


def branding(request: HttpRequest) -> dict[str, Any]:
    """The brand of the tenant serving this request. Colours are re-validated on the way out
    so a value that bypassed the services still cannot inject CSS."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_public:
        brand = PUBLIC_BRAND | brand_colours(
            PUBLIC_BRAND["primary_color"], PUBLIC_BRAND["accent_color"]
        )
        return {"brand": brand, "is_partner_console": True, "sandbox": None}
    try:
        primary, accent = clean_colour(tenant.primary_color), clean_colour(tenant.accent_color)
    except ValidationError:
        primary, accent = PUBLIC_BRAND["primary_color"], PUBLIC_BRAND["accent_color"]
    return {
        "brand": {
            "portal_name": tenant.portal_name,
            **brand_colours(primary, accent),
            "has_logo": bool(tenant.logo_content_type),
            "support_email": tenant.support_email,
            "version": tenant.branding_version,
        },
        "is_partner_console": False,
        "sandbox": sandbox_shown(tenant),
    }


def sandbox_shown(tenant: Any) -> dict[str, str] | None:
    """What the banner on every page of a sandbox tenant says it stands in for; None on a
    production tenant (no query there)."""
    if not getattr(tenant, "is_sandbox", False):
        return None
    production = tenant.sandbox_of
    return {"of": production.name if production is not None else ""}
