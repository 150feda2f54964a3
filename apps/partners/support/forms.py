from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..access_models import MAX_HOURS, READ_SCOPE
from .scopes import SCOPE_LABELS


class AccessRequestForm(forms.Form):
    tenant = forms.ChoiceField(label=_("Client"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The client's admins read it before they decide."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=[(code, str(text).capitalize()) for code, text in SCOPE_LABELS.items()],
        initial=READ_SCOPE,
        help_text=_("Read only unless you must change something; then name what."),
    )
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=MAX_HOURS, initial=2)
    emergency = forms.BooleanField(
        label=_("Emergency (read only)"),
        required=False,
        help_text=_("Opens at once where the client pre-approved emergency access."),
    )

    def __init__(self, *args: Any, clients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = clients  # type: ignore[attr-defined]


class SupportSettingForm(forms.Form):
    emergency_read_preapproved = forms.BooleanField(
        label=_("Pre-approve emergency read-only support access"),
        required=False,
        help_text=_(
            "An emergency read-only request of your partner's support opens at once; "
            "you are told instead of asked."
        ),
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
