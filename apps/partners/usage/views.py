"""`/partner/usage/`: each own client tenant's month for billing (a month picker, the CSV the
API gives), and the plan limits billing sets (`/partner/usage/{slug}/plan/`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from apps.api.pages import csv_download, refusal_caught, refusal_shown
from apps.invoices.models import Invoice
from apps.tenancy.models import Client
from apps.tenancy.partner_pages import partner_capabilities
from apps.tenancy.plans import PLAN_METRICS
from apps.tenancy.services import client_plan_set, partner_of

from .figures import CHANNELS, month_asked, partner_usage, usage_rows

CHANNEL_LABELS = dict(Invoice.Channel.choices)


@login_required
@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    with refusal_caught() as refusal:
        partner = partner_of(request.user, "view_usage")
    if refusal.exc is not None:
        raise PermissionDenied from refusal.exc
    month = None
    with refusal_shown(request):  # a month not understood: said, and this month shown
        month = month_asked(request.GET.get("month") or None)
    month = month or month_asked(None)
    usage = partner_usage(partner, month)
    if request.GET.get("format") == "csv":
        return csv_download(f"usage-{usage['month']}.csv", usage_rows(usage))
    return render(
        request,
        "partners/usage.html",
        {
            "partner": partner,
            "usage": usage,
            "rows": [_row(t) for t in usage["tenants"]],
            "channels": [(ch, CHANNEL_LABELS[ch]) for ch in CHANNELS],
            "metrics": [(m, str(label)) for m, label in PLAN_METRICS.items()],
            "may_set_plans": "manage_plans" in partner_capabilities(request.user),
        },
    )


STATE_WORDS = {
    "ok": (gettext_lazy("Within plan"), "ok"),
    "soft": (gettext_lazy("Soft limit reached"), "warn"),
    "hard": (gettext_lazy("Hard limit reached"), "fail"),
}


def _row(tenant: dict[str, Any]) -> dict[str, Any]:
    words, pill = STATE_WORDS[tenant["plan"]["state"]]
    return {
        **tenant,
        "channel_counts": [tenant["invoices"][ch] for ch in CHANNELS],
        "state_words": words,
        "state_pill": pill,
        "limits": [
            (m, tenant["plan"][f"{m}_soft"], tenant["plan"][f"{m}_hard"]) for m in PLAN_METRICS
        ],
    }


def _limits_posted(request: HttpRequest) -> dict[str, Any]:
    return {
        f"{m}_{edge}": (request.POST.get(f"{m}_{edge}") or "").strip() or None
        for m in PLAN_METRICS
        for edge in ("soft", "hard")
    }


@login_required
@require_POST
def plan_update(request: HttpRequest, slug: str) -> HttpResponse:
    with refusal_caught() as refusal:
        partner = partner_of(request.user, "manage_plans")
    if refusal.exc is not None:
        raise PermissionDenied from refusal.exc
    client = Client.objects.filter(partner=partner, slug=slug).first()
    month = request.POST.get("month", "")
    back = f"/partner/usage/?month={month}" if month_ok(month) else "/partner/usage/"
    if client is None:
        messages.error(request, _("No such client tenant."))
        return redirect(back)
    with refusal_shown(request):
        client_plan_set(actor=request.user, client=client, limits=_limits_posted(request))
        messages.success(request, _("The plan of %s is saved.") % client.name)
    return redirect(back)


def month_ok(value: str) -> bool:
    with refusal_caught():
        return bool(value) and bool(month_asked(value))
    return False
