"""/partner/people/ (partner admins): the partner's people with their role and two-step
sign-in, an invitation form, a role per person, removal and an authenticator reset (each asked
twice), and the latest changes to them in words."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.api.pages import confirm_first, refusal_caught, refusal_on_form, refusal_shown
from apps.tenancy.partner_pages import PartnerConfirm
from apps.tenancy.partner_roles import PARTNER_ROLE_CAPABILITIES, PARTNER_ROLE_LABELS
from apps.tenancy.services import partner_of

from . import selectors, services
from .forms import PartnerInviteForm, PartnerRoleForm


def _partner_or_403(request: HttpRequest) -> Any:
    with refusal_caught() as refusal:
        return partner_of(request.user, "manage_partner_users")
    raise PermissionDenied from refusal.exc


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    partner = _partner_or_403(request)
    form = PartnerInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            membership = services.partner_user_invite(
                actor=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
            messages.success(request, _("Invitation sent to %s.") % membership.user.email)
            return redirect("partner-people")
    rows = [
        (m, PartnerRoleForm(initial={"role": m.role}, prefix=f"p{m.user_id}"))
        for m in selectors.partner_people(partner)
    ]
    return render(
        request,
        "partners/people.html",
        {
            "partner": partner,
            "rows": rows,
            "form": form,
            "changes": selectors.people_changes(partner),
            "roles": [
                (label, sorted(PARTNER_ROLE_CAPABILITIES[role]))
                for role, label in PARTNER_ROLE_LABELS.items()
            ],
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def role_change(request: HttpRequest, user_id: int) -> HttpResponse:
    _partner_or_403(request)
    form = PartnerRoleForm(request.POST, prefix=f"p{user_id}")
    if form.is_valid():
        with refusal_shown(request):
            membership = services.partner_user_set_role(
                actor=request.user, user_id=user_id, role=form.cleaned_data["role"]
            )
            messages.success(
                request,
                _("%(who)s is now %(role)s.")
                % {"who": membership.user.email, "role": membership.get_role_display()},
            )
    return redirect("partner-people")


@login_required
@require_POST
@confirm_first(
    PartnerConfirm(
        gettext_lazy("Remove this person"),
        gettext_lazy(
            "They are signed out everywhere at once, their API tokens stop working and they can "
            "no longer sign in; the trail keeps what they did."
        ),
        capability="manage_partner_users",
    )
)
def remove(request: HttpRequest, user_id: int) -> HttpResponse:
    _partner_or_403(request)
    with refusal_shown(request):
        user = services.partner_user_remove(actor=request.user, user_id=user_id)
        if user.pk == request.user.pk:  # they removed themselves: their session is gone
            logout(request)
            return redirect("login")
        messages.success(request, _("%s is removed.") % user.email)
    return redirect("partner-people")


@login_required
@require_POST
@confirm_first(
    PartnerConfirm(
        gettext_lazy("Reset two-step sign-in"),
        gettext_lazy(
            "Their authenticator and recovery codes stop working and they are signed out; at "
            "their next sign-in they set up a new authenticator."
        ),
        capability="manage_partner_users",
    )
)
def mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    _partner_or_403(request)
    with refusal_shown(request):
        membership = services.partner_user_mfa_reset(actor=request.user, user_id=user_id)
        messages.success(request, _("Two-step sign-in of %s is reset.") % membership.user.email)
    return redirect("partner-people")
