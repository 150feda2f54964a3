from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN

from .models import SsoConnection

METADATA_MAX_BYTES = 512 * 1024


def mapping_text(mapping: dict[str, list[str]]) -> str:
    return "\n".join(f"{group}: {', '.join(roles)}" for group, roles in sorted(mapping.items()))


def mapping_parsed(text: str) -> dict[str, list[str]]:
    """`group: role, role` per line."""
    mapping: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        group, sep, roles = line.partition(":")
        if not sep or not group.strip():
            raise forms.ValidationError(_("Write one group per line: `group: role, role`."))
        mapping[group.strip()] = [r.strip() for r in roles.split(",") if r.strip()]
    return mapping


class SsoConnectionForm(forms.Form):
    protocol = forms.ChoiceField(label=_("Protocol"), choices=SsoConnection.Protocol.choices)
    display_name = forms.CharField(
        label=_("Identity provider's name"), max_length=80, required=False,
        help_text=_("Shown on the sign-in page: “Sign in with …”."),
    )  # fmt: skip
    discovery_url = forms.URLField(label=_("OIDC discovery URL"), required=False, max_length=500)
    client_id = forms.CharField(label=_("OIDC client id"), required=False, max_length=255)
    client_secret = forms.CharField(
        label=_("OIDC client secret"), required=False, widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the stored secret."),
    )  # fmt: skip
    metadata = forms.FileField(
        label=_("SAML identity provider metadata (XML)"), required=False,
        help_text=_("Leave empty to keep the stored metadata."),
    )  # fmt: skip
    sp_entity_id = forms.CharField(
        label=_("Our SAML entity id"), required=False, max_length=500,
        help_text=_("Empty: this portal's metadata URL."),
    )  # fmt: skip
    email_claim = forms.CharField(label=_("E-mail claim or attribute"), initial="email")
    name_claim = forms.CharField(label=_("Name claim or attribute"), initial="name")
    groups_claim = forms.CharField(label=_("Groups claim or attribute"), initial="groups")
    role_mapping = forms.CharField(
        label=_("Groups to roles"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One group per line: `buyers: buyer, requester`."),
    )  # fmt: skip
    break_glass_user = forms.ModelChoiceField(
        label=_("Break-glass admin (keeps password sign-in)"), required=False,
        queryset=User.objects.none(),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["break_glass_user"]
        field.queryset = User.objects.filter(  # type: ignore[attr-defined]
            groups__name=TENANT_ADMIN, is_active=True
        ).order_by("email")

    def clean_role_mapping(self) -> dict[str, list[str]]:
        return mapping_parsed(self.cleaned_data.get("role_mapping") or "")

    def clean_metadata(self) -> str | None:
        upload = self.cleaned_data.get("metadata")
        if not upload:
            return None
        if upload.size > METADATA_MAX_BYTES:
            raise forms.ValidationError(_("The metadata file is too large."))
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The metadata must be an XML file.")) from exc
