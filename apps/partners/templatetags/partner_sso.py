"""`{% partner_sso_link %}`: the console's sign-in page offers "Sign in with your
organisation" once any partner has connected its identity provider (public host only)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.partners.sso.selectors import any_partner_sso
from apps.tenancy.context import on_public_schema

register = template.Library()


@register.simple_tag
def partner_sso_link() -> SafeString | str:
    if not on_public_schema() or not any_partner_sso():
        return ""
    return format_html(
        '<p class="sso-sign-in"><a class="button secondary" data-testid="partner-sso-sign-in" '
        'href="/partner/sso/login/">{}</a></p>',
        _("Sign in with your organisation"),
    )
