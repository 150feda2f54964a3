"""The partner console's single sign-on (public host): the partner admin's page
(/partner/sso/: the connection, a test sign-in in their own browser, enforcement), the
sign-in by work e-mail (/partner/sso/login/), and the service provider's endpoints below
/partner/sso/ (OIDC callback, SAML assertion consumer service and metadata). The round trip
itself is apps.identity.flows', rooted at /partner."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.api.pages import confirm_first, refusal_caught, refusal_on_form, refusal_shown
from apps.identity import flows
from apps.identity.models import SsoSettings
from apps.identity.refusals import SsoNotConfigured, SsoRefused
from apps.identity.saml import sp_metadata
from apps.identity.views import acs_bounce, refused_page
from apps.tenancy.context import on_public_schema
from apps.tenancy.partner_pages import PartnerConfirm
from apps.tenancy.services import partner_of

from . import services
from .forms import PartnerSsoAddressForm, PartnerSsoForm
from .models import PartnerSsoConnection
from .selectors import partner_sso_connection, partner_sso_of_address

ROOT = "/partner"  # the service provider's endpoints: /partner/sso/oidc/callback/, …
FIELDS = ("protocol", "display_name", "discovery_url", "client_id", "sp_entity_id")
CLAIMS = ("email_claim", "name_claim")


def _public_only() -> None:
    if not on_public_schema():
        raise Http404


def _partner_or_403(request: HttpRequest) -> Any:
    _public_only()
    with refusal_caught() as refusal:
        return partner_of(request.user, services.MANAGE)
    raise PermissionDenied from refusal.exc


def _initial(connection: PartnerSsoConnection | None) -> dict[str, Any]:
    if connection is None:
        return {"protocol": SsoSettings.Protocol.OIDC}
    initial = {k: getattr(connection, k) for k in (*FIELDS, *CLAIMS)}
    return initial | {"break_glass_user": connection.break_glass_user_id}


@login_required
@require_http_methods(["GET", "POST"])
def sso_settings(request: HttpRequest) -> HttpResponse:
    partner = _partner_or_403(request)
    connection = partner_sso_connection(partner)
    form = PartnerSsoForm(
        request.POST or None, request.FILES or None, initial=_initial(connection), partner=partner
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {k: data[k] for k in (*FIELDS, *CLAIMS)}
        if data["metadata"] is not None:
            changes["idp_metadata_xml"] = data["metadata"]
        with refusal_on_form(form):
            services.partner_sso_save(
                actor=request.user,
                changes=changes,
                client_secret=data["client_secret"] or None,
                break_glass_user=data["break_glass_user"],
            )
            messages.success(request, _("Single sign-on saved."))
            return redirect("partner-sso")
    base = flows.base_url(request, ROOT)
    return render(
        request,
        "partners/sso.html",
        {
            "partner": partner,
            "form": form,
            "connection": connection,
            "redirect_uri": flows.oidc_redirect_uri(request, ROOT),
            "acs_url": f"{base}/sso/saml/acs/",
            "sp_metadata_url": f"{base}/sso/saml/metadata/",
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def sso_test(request: HttpRequest) -> HttpResponse:
    """A real sign-in round trip in the partner admin's browser; success records `tested_at`
    and the admin stays signed in as themself."""
    partner = _partner_or_403(request)
    connection = partner_sso_connection(partner)
    with refusal_shown(request):
        if connection is None:
            raise SsoNotConfigured()
        url = flows.flow_start(
            request, connection, purpose="test", actor_id=request.user.pk, root=ROOT,
            owner=partner.pk,
        )  # fmt: skip
        return HttpResponseRedirect(url)
    return redirect("partner-sso")


@login_required
@require_POST
@confirm_first(
    PartnerConfirm(
        gettext_lazy("Change SSO enforcement"),
        gettext_lazy(
            "With SSO enforced, your people sign in to the console through your identity "
            "provider; only the break-glass partner admin keeps password sign-in."
        ),
        capability=services.MANAGE,
    )
)
def sso_enforcement(request: HttpRequest) -> HttpResponse:
    _partner_or_403(request)
    enforced = request.POST.get("enforced") == "on"
    with refusal_shown(request):
        services.partner_sso_enforce(actor=request.user, enforced=enforced)
        messages.success(
            request, _("SSO is enforced.") if enforced else _("Password sign-in is open again.")
        )
    return redirect("partner-sso")


@require_http_methods(["GET", "POST"])
def sso_login(request: HttpRequest) -> HttpResponse:
    """Sign in with the identity provider of one's partner, found from the work e-mail."""
    _public_only()
    form = PartnerSsoAddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = partner_sso_of_address(form.cleaned_data["email"])
        if connection is not None:
            with refusal_caught() as refusal:
                url = flows.flow_start(
                    request, connection, purpose="sign_in", next_path="/partner/", root=ROOT,
                    owner=connection.partner_id,
                )  # fmt: skip
                return HttpResponseRedirect(url)
            subject = ("sso_connection", connection.pk)
            return refused_page(request, refusal.exc, connection.protocol, "sign_in", subject)
        form.add_error("email", _("No single sign-on is set up for this address."))
    return render(
        request, "partners/sso_login.html", {"form": form}, status=422 if form.errors else 200
    )


def _finish(request: HttpRequest, protocol: str) -> HttpResponse:
    _public_only()
    flow: dict[str, Any] = {}
    subject: tuple[str, object] = ("sso_connection", 0)
    with refusal_caught() as refusal:
        flow = flows.flow_taken(request, protocol)
        owner = flow.get("owner")
        connection = (
            PartnerSsoConnection.objects.filter(partner_id=owner).first()
            if isinstance(owner, int)
            else None
        )
        if connection is None:
            raise SsoRefused("configuration_changed")
        subject = ("sso_connection", connection.pk)
        identity = flows.flow_finish(request, connection, flow, ROOT)
        if flow.get("purpose") == "test":
            services.partner_sso_test_record(
                actor=User.objects.get(pk=flow["actor"]),
                partner=connection.partner,
                version=int(flow["version"]),
                identity=identity,
            )
            back = {"identity": identity, "back": "/partner/sso/"}
            return render(request, "identity/tested.html", back)
        if connection.version != flow["version"]:
            raise SsoRefused("configuration_changed")
        user = services.partner_sso_sign_in(connection=connection, identity=identity)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(flow.get("next") or "/partner/")
    purpose = str(flow.get("purpose") or "sign_in")
    return refused_page(request, refusal.exc, protocol, purpose, subject)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    return _finish(request, SsoSettings.Protocol.OIDC)


@csrf_exempt  # the identity provider posts it; the signed response and InResponseTo guard it
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    """As a tenant's: the page posts the response on once more, from this site, with the
    session that started the sign-in (SameSite=Lax)."""
    _public_only()
    bounced = acs_bounce(request, f"{ROOT}/sso/saml/acs/")
    return bounced or _finish(request, SsoSettings.Protocol.SAML)


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    """The console's service provider metadata (the same for every partner: the entity id a
    partner sets replaces the URL in its own AuthnRequests)."""
    _public_only()
    connection = PartnerSsoConnection(protocol=SsoSettings.Protocol.SAML)
    return HttpResponse(
        sp_metadata(connection, flows.base_url(request, ROOT)),
        content_type="application/samlmetadata+xml",
    )
