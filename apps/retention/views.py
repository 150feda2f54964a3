"""/settings/retention/: the retention periods in force (from the policy and each legal
entity's country), the legal holds, and what the purge deleted. Compliance places holds here;
auditors and tenant admins read. Holds are released through `legal-holds/{id}/release/`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.api.pages import refusal_shown
from apps.organization.models import LegalEntity

from . import selectors
from .models import LegalHold
from .roles import MANAGE_LEGAL_HOLDS
from .services.holds import legal_hold_place

READERS = (MANAGE_LEGAL_HOLDS, "accounts.view_audit", "accounts.manage_settings")


def _day(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not any(user.has_perm(p) for p in READERS):
        raise PermissionDenied
    if request.method == "POST":
        with refusal_shown(request):
            legal_hold_place(
                actor=user,
                scope=request.POST.get("scope", ""),
                reason=request.POST.get("reason", ""),
                supplier=request.POST.get("supplier") or None,
                invoice=request.POST.get("invoice") or None,
                period_from=_day(request.POST.get("period_from")),
                period_to=_day(request.POST.get("period_to")),
                legal_entity=request.POST.get("legal_entity") or None,
            )
            messages.success(request, _("The legal hold is placed."))
        return redirect("retention-page")
    periods = selectors.periods_in_force(timezone.now())
    return render(
        request,
        "retention/retention.html",
        {
            "periods": selectors.periods_table(periods),
            "holds": selectors.legal_holds()[:200],
            "runs": selectors.purge_runs()[:50],
            "may_hold": user.has_perm(MANAGE_LEGAL_HOLDS),
            "scopes": LegalHold.Scope.choices,
            "entities": LegalEntity.objects.order_by("code"),
        },
    )
