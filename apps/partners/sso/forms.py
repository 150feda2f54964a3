from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.identity.forms import SsoConnectionForm
from apps.tenancy.models import Partner
from apps.tenancy.partner_roles import PARTNER_ADMIN


class PartnerSsoForm(SsoConnectionForm):
    """A tenant's connection form without the role mapping (a partner's people get their role
    at their invitation); the break-glass person is one of the partner's admins."""

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["role_mapping"]
        del self.fields["groups_claim"]
        field = self.fields["break_glass_user"]
        field.label = _("Break-glass partner admin (keeps password sign-in)")
        field.queryset = User.objects.filter(  # type: ignore[attr-defined]
            partner_membership__partner=partner,
            partner_membership__role=PARTNER_ADMIN,
            is_active=True,
        ).order_by("email")


class PartnerSsoAddressForm(forms.Form):
    email = forms.EmailField(label=_("Your work e-mail"), max_length=254)
