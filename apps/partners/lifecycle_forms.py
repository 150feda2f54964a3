from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.lifecycle import RETENTION_DAYS


class OffboardForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the tenant's name to confirm"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail."),
    )
    # bounds said by the service (a sentence), not by the browser's own message
    retention_days = forms.IntegerField(
        label=_("Days to keep the data before it is deleted"),
        initial=30,
        help_text=_("From %(low)d to %(high)d days. The export stays available after.")
        % {"low": RETENTION_DAYS[0], "high": RETENTION_DAYS[1]},
    )


class OffboardCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail."),
    )
