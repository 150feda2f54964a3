from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.tenancy.partner_roles import PARTNER_ROLE_LABELS


def _roles() -> list[tuple[str, str]]:
    return [(role, str(label)) for role, label in PARTNER_ROLE_LABELS.items()]


class PartnerInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=_roles)


class PartnerRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_roles)
