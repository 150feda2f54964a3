from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import LANGUAGES


class BrandingForm(forms.Form):
    portal_name = forms.CharField(label=_("Portal name"), max_length=80)
    primary_color = forms.CharField(label=_("Primary colour"), max_length=7)
    accent_color = forms.CharField(label=_("Accent colour"), max_length=7)
    support_email = forms.EmailField(label=_("Support e-mail"), required=False)
    logo = forms.FileField(label=_("Logo (PNG or JPEG)"), required=False)


class TenantCreateForm(BrandingForm):
    slug = forms.CharField(label=_("Slug"), max_length=31)
    name = forms.CharField(label=_("Company name"), max_length=200)
    domain = forms.CharField(label=_("Domain"), max_length=253)
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=[(code, code) for code in sorted(LANGUAGES)]
    )
    admin_email = forms.EmailField(label=_("Tenant admin e-mail"), required=False)
    field_order = [
        "name",
        "slug",
        "domain",
        "default_language",
        "admin_email",
        "portal_name",
        "primary_color",
        "accent_color",
        "support_email",
        "logo",
    ]
