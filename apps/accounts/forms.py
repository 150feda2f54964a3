from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_LABELS
from .sign_in_policy import password_sign_in_refusal


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True})
    )

    def confirm_login_allowed(self, user: object) -> None:
        super().confirm_login_allowed(user)  # type: ignore[arg-type]
        refusal = password_sign_in_refusal(user, "page")
        if refusal:
            raise forms.ValidationError(refusal, code="sso_required")


def _role_choices() -> list[tuple[str, str]]:
    return [(role, str(label)) for role, label in ROLE_LABELS.items()]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=_role_choices, widget=forms.CheckboxSelectMultiple
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=_role_choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class SetPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=_("Repeat it"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") != data.get("password_again"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data
