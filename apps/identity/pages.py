"""The tenant admin's single sign-on page, /settings/sso/: the connection, a test sign-in in
the admin's own browser, enforcement (asked twice) and the break-glass admin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.api.pages import Confirm, confirm_first, refusal_on_form, refusal_shown

from . import flows
from .forms import SsoConnectionForm, mapping_text
from .models import SsoConnection
from .refusals import SsoNotConfigured
from .selectors import sso_connection
from .services import sso_connection_save, sso_enforce


def _admin_only(request: HttpRequest) -> None:
    user = request.user
    if not user.has_perm("accounts.manage_settings"):
        raise PermissionDenied


def _initial(connection: SsoConnection | None) -> dict[str, Any]:
    if connection is None:
        return {"protocol": SsoConnection.Protocol.OIDC}
    return {
        "protocol": connection.protocol,
        "display_name": connection.display_name,
        "discovery_url": connection.discovery_url,
        "client_id": connection.client_id,
        "sp_entity_id": connection.sp_entity_id,
        "email_claim": connection.email_claim,
        "name_claim": connection.name_claim,
        "groups_claim": connection.groups_claim,
        "role_mapping": mapping_text(connection.role_mapping),
        "break_glass_user": connection.break_glass_user_id,
    }


@login_required
@require_http_methods(["GET", "POST"])
def sso_settings(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    connection = sso_connection()
    form = SsoConnectionForm(
        request.POST or None, request.FILES or None, initial=_initial(connection)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            k: data[k]
            for k in (
                "protocol", "display_name", "discovery_url", "client_id", "sp_entity_id",
                "email_claim", "name_claim", "groups_claim", "role_mapping",
            )
        }  # fmt: skip
        if data["metadata"] is not None:
            changes["idp_metadata_xml"] = data["metadata"]
        with refusal_on_form(form):
            sso_connection_save(
                actor=current_user(request),
                changes=changes,
                client_secret=data["client_secret"] or None,
                break_glass_user=data["break_glass_user"],
            )
            messages.success(request, _("Single sign-on saved."))
            return redirect("sso-settings")
    base = flows.base_url(request)
    return render(
        request,
        "identity/settings.html",
        {
            "form": form,
            "connection": connection,
            "redirect_uri": flows.oidc_redirect_uri(request),
            "acs_url": f"{base}/sso/saml/acs/",
            "sp_metadata_url": f"{base}/sso/saml/metadata/",
        },
    )


@login_required
@require_POST
def sso_test(request: HttpRequest) -> HttpResponse:
    """Start a real sign-in round trip in the admin's browser; success records `tested_at`."""
    _admin_only(request)
    connection = sso_connection()
    if connection is None:
        with refusal_shown(request):
            raise SsoNotConfigured()
        return redirect("sso-settings")
    token = flows.test_token(
        actor_id=current_user(request).pk, version=connection.version, host=request.get_host()
    )
    return HttpResponseRedirect(f"/sso/test/start/?token={token}")


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Change SSO enforcement"),
        gettext_lazy(
            "With SSO enforced, nobody but the break-glass admin signs in with a password, on "
            "the sign-in page or for an API token: everyone else signs in through the identity "
            "provider."
        ),
        capability="accounts.manage_settings",
    )
)
def sso_enforcement(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    enforced = request.POST.get("enforced") == "on"
    with refusal_shown(request):
        sso_enforce(actor=current_user(request), enforced=enforced)
        messages.success(
            request, _("SSO is enforced.") if enforced else _("Password sign-in is open again.")
        )
    return redirect("sso-settings")
