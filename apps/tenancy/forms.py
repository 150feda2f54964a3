from __future__ import annotations

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .services import LANGUAGES


class ColourInput(forms.TextInput):
    """The browser's colour picker; it always sends #rrggbb, which the service upper-cases."""

    input_type = "color"


def language_choices() -> list[tuple[str, str]]:
    """The portal's languages by their name in the partner's language (German, not `de`)."""
    named = [(code, str(get_language_info(code)["name_translated"])) for code in LANGUAGES]
    return sorted(named, key=lambda choice: choice[1])


class BrandingForm(forms.Form):
    portal_name = forms.CharField(label=_("Portal name"), max_length=80)
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        widget=ColourInput(attrs={"data-brand": "primary_color"}),
        help_text=_("The top bar, buttons and links."),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        widget=ColourInput(attrs={"data-brand": "accent_color"}),
        help_text=_("The line along the top of each card."),
    )
    support_email = forms.EmailField(label=_("Support e-mail"), required=False)
    logo = forms.FileField(
        label=_("Logo (PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg", "data-brand": "logo"}
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["portal_name"].widget.attrs["data-brand"] = "portal_name"


class TenantCreateForm(BrandingForm):
    slug = forms.CharField(
        label=_("Short name"),
        max_length=31,
        help_text=_("Lower-case letters and digits; names the tenant's data and cannot change."),
    )
    name = forms.CharField(label=_("Company name"), max_length=200)
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("Where its portal opens, such as acme.localhost."),
    )
    default_language = forms.ChoiceField(label=_("Default language"), choices=language_choices)
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


class SuspendForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the tenant's name to confirm"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail."),
    )


class ReactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail."),
    )
