"""The design system's living page, `/dev/components/`: every component of the portal drawn
with made-up values (docs/design.md). Development only, as /dev/mail/ is: the page answers
404 unless DEV_COMPONENTS is on (config/settings/local.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.api.pages import with_feedback
from apps.organization.number_input import DecimalInput

STATUSES = [
    ("draft", _("Draft")),
    ("pending_approval", _("Pending approval")),
    ("approved", _("Approved")),
    ("rejected", _("Rejected")),
    ("open", _("Open")),
    ("blocked", _("Blocked")),
    ("risk-low", _("Low risk")),
    ("risk-high", _("High risk")),
]


class SampleForm(forms.Form):
    """One of each kind of field, drawn by templates/django/forms/."""

    title = forms.CharField(label=_("Title"), help_text=_("What you need, in a few words."))
    amount = DecimalInput(label=_("Amount"), min_value=Decimal("0.01"))
    category = forms.ChoiceField(
        label=_("Spend category"), choices=[("it", _("IT hardware")), ("svc", _("Services"))]
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )
    urgent = forms.BooleanField(label=_("Needed this week"), required=False)


def _development_only(request: HttpRequest) -> None:
    if not settings.DEV_COMPONENTS:
        raise Http404


def components(request: HttpRequest) -> HttpResponse:
    _development_only(request)
    rows = [
        {
            "number": f"REQ-{1040 + n:06d}",
            "title": title,
            "requester": "maria.schneider@acme.example",
            "total": total,
            "status": status,
            "label": label,
            "at": timezone.now(),
        }
        for n, (title, total, (status, label)) in enumerate(
            [
                (_("Laptops for the new analysts"), Decimal("12480.00"), STATUSES[1]),
                (
                    _("Trade-fair booth, Hanover, with furniture and power"),
                    Decimal("8400.5"),
                    STATUSES[2],
                ),
                (_("Toner"), Decimal("62"), STATUSES[3]),
            ]
        )
    ]
    return render(
        request,
        "dev/components.html",
        {
            "statuses": STATUSES,
            "rows": rows,
            "form": SampleForm(),
            "invalid_form": SampleForm(data={"title": "", "amount": "-1", "category": "it"}),
            "spacing": range(1, 8),
            "type_scale": ["xs", "sm", "base", "lg", "xl", "2xl"],
        },
    )


def components_feedback(request: HttpRequest) -> HttpResponse:
    """What an HTMX action answers: nothing to swap, a sentence for the live region."""
    _development_only(request)
    return with_feedback(
        HttpResponse(status=200), str(_("Saved. The region says so for a few seconds."))
    )
