"""Support access pages: the client's admins decide and revoke (/settings/support-access/);
the partner's support person asks and opens the portal (/partner/support/); the tenant's host
signs in the grant's stand-in (/support/enter/<ticket>/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.api.pages import Confirm, confirm_first, refusal_caught, refusal_on_form, refusal_shown
from apps.tenancy.console import portal_url
from apps.tenancy.selectors import partner_clients, primary_domain
from apps.tenancy.services import partner_of

from . import entry, selectors, services
from .forms import AccessRequestForm, DecisionForm, SupportSettingForm
from .services import ADMIN_CAPABILITIES

REVOKE = Confirm(
    gettext_lazy("Revoke support access"),
    gettext_lazy(
        "The partner's support person is signed out of this portal at once and cannot come "
        "back under this grant."
    ),
    when={"action": "revoke"},
    capability=ADMIN_CAPABILITIES,
)


def _is_admin(request: HttpRequest) -> bool:
    return any(request.user.has_perm(capability) for capability in ADMIN_CAPABILITIES)


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(REVOKE)
def tenant_support_access(request: HttpRequest) -> HttpResponse:
    """The tenant's support grants: waiting ones to approve or refuse, active ones to revoke,
    past ones; and the emergency pre-approval."""
    if not _is_admin(request):
        raise PermissionDenied
    tenant = request.tenant  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    setting_form = SupportSettingForm(
        request.POST if action == "setting" else None,
        initial={"emergency_read_preapproved": selectors.emergency_preapproved(tenant)},
    )
    if request.method == "POST":
        actor = current_user(request)
        if action == "setting":
            if setting_form.is_valid():
                with refusal_on_form(setting_form):
                    services.support_setting_update(
                        actor=actor,
                        emergency_read_preapproved=setting_form.cleaned_data[
                            "emergency_read_preapproved"
                        ],
                    )
                    messages.success(request, _("Support access setting saved."))
                    return redirect("tenant-support-access")
        else:
            decision = DecisionForm(request.POST)
            note = decision.cleaned_data["note"] if decision.is_valid() else ""
            grant_id = request.POST.get("grant", "")
            with refusal_shown(request):
                if action == "approve":
                    services.access_grant_approve(actor=actor, grant_id=grant_id, note=note)
                    messages.success(request, _("Support access approved."))
                elif action == "refuse":
                    services.access_grant_refuse(actor=actor, grant_id=grant_id, note=note)
                    messages.success(request, _("Support access refused."))
                elif action == "revoke":
                    services.access_grant_revoke(actor=actor, grant_id=grant_id)
                    messages.success(request, _("Support access revoked."))
            return redirect("tenant-support-access")
    grants = list(selectors.client_grants(tenant)[:200])
    return render(
        request,
        "partners/support_access.html",
        {
            "groups": selectors.grants_by_state(grants),
            "setting_form": setting_form,
            "may_set": request.user.has_perm("accounts.manage_settings"),
            "revoke": REVOKE,
        },
    )


@never_cache
@require_GET
def support_enter(request: HttpRequest, ticket: str) -> HttpResponse:
    """The tenant's side of the hand-off: a fresh ticket signs in the grant's stand-in."""
    with refusal_caught() as refusal:
        grant, standin = entry.support_enter(ticket=ticket)
        login(request, standin, backend="django.contrib.auth.backends.ModelBackend")
        request.session[entry.SESSION_KEY] = grant.pk
        messages.info(
            request,
            _("You are in %(portal)s under support access until %(until)s UTC.")
            % {"portal": grant.client.portal_name, "until": f"{grant.expires_at:%H:%M}"},
        )
        return redirect("/")
    raise PermissionDenied(refusal.text)


# --------------------------------------------------------------------------- partner host
@login_required
@require_http_methods(["GET", "POST"])
def partner_support(request: HttpRequest) -> HttpResponse:
    """The support person's grants (open the portal of an active one) and a new request."""
    with refusal_caught() as refusal:
        partner = partner_of(request.user, "request_support_access")
    if refusal:
        raise PermissionDenied(refusal.text)
    clients = list(partner_clients(partner))
    form = AccessRequestForm(request.POST or None, clients=[(c.slug, c.name) for c in clients])
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            grant = services.access_request(actor=request.user, **form.cleaned_data)
            if grant.current_status == "active":
                messages.success(request, _("Emergency access is open: the client is told."))
            else:
                messages.success(request, _("Request sent; the client's admins decide."))
            return redirect("partner-support")
    grants = list(selectors.partner_user_grants(request.user)[:200])
    rows = [(grant, portal_url(request, primary_domain(grant.client))) for grant in grants]
    return render(request, "partners/partner_support.html", {"form": form, "rows": rows})


@login_required
@require_POST
def partner_support_open(request: HttpRequest, grant_id: int) -> HttpResponse:
    """Mint a one-time ticket and send the browser to the client's portal with it."""
    with refusal_shown(request):
        grant, ticket = entry.handoff_mint(actor=request.user, grant_id=grant_id)
        base = portal_url(request, primary_domain(grant.client))
        return redirect(f"{base}support/enter/{ticket}/")
    return redirect("partner-support")
