"""`/`: each person's home leads to their work (cards with counts, by role), their notices
(linked, dismissable, gone once done) and, for a new tenant's admin, what to set up first."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.accounts.roles import ROLE_LABELS
from apps.accounts.selectors import user_roles
from apps.controls.refusals import NotFound
from apps.tenancy.plans import plan_warnings
from apps.workflow.services import notification_dismiss

from .notices import open_notices
from .setup import setup_checklist
from .work import work_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_public:
        return redirect("partner-console")
    user = current_user(request)
    if user.has_perm("accounts.use_supplier_portal") and not user.has_perm(
        "accounts.view_reference_data"
    ):
        return redirect("supplier-portal")
    roles = user_roles(user)
    checklist = setup_checklist() if user.has_perm("accounts.manage_reference_data") else []
    return render(
        request,
        "portal/home.html",
        {
            "roles": [ROLE_LABELS.get(r, r) for r in roles],
            "work": work_of(user),
            "notices": open_notices(user),
            "checklist": checklist,
            "setup_open": [item for item in checklist if not item.done],
            # the plan's soft or hard limit reached this month: the tenant admin is told
            "plan_warnings": plan_warnings() if user.has_perm("accounts.manage_users") else [],
        },
    )


@login_required
@require_POST
def notice_dismiss(request: HttpRequest, notice_id: int) -> HttpResponse:
    # gone already, or not yours: nothing to put away
    with contextlib.suppress(NotFound):
        notification_dismiss(actor=current_user(request), notification_id=notice_id)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse("")
    return redirect("home")
