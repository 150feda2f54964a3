"""The sign-in through the tenant's identity provider: start, OIDC callback, SAML assertion
consumer service and the service provider's metadata."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.api.pages import refusal_caught
from apps.controls.refusals import ApplicationError

from . import flows
from .models import SsoConnection
from .refusals import SsoNotConfigured, SsoRefused
from .saml import sp_metadata
from .selectors import sso_connection
from .services import sso_refusal_record, sso_test_record, sso_user_sign_in

REASONS = {
    "state": _("The sign-in was not started from this browser, or was already used."),
    "replay": _("This sign-in response was already used or answers another request."),
    "signature": _("The identity provider's signature does not check out."),
    "audience": _("The response was meant for another service."),
    # the OIDC ID token of another client: its audience, or its authorised party
    "aud": _("The response was meant for another service."),
    "azp": _("The response was meant for another service."),
    "time": _("The response is outside its validity period (check the clocks)."),
    "exp": _("The response is outside its validity period (check the clocks)."),
    "iat": _("The response is outside its validity period (check the clocks)."),
    "nonce": _("The sign-in was not started from this browser, or was already used."),
    "test_link": _("This test link has expired or the settings changed since: start a new test."),
    "not_a_member": _(
        "The identity provider signed in someone who is not one of this partner's people: "
        "ask your partner admin for an invitation."
    ),
}


def _connection() -> SsoConnection:
    connection = sso_connection()
    if connection is None:
        raise SsoNotConfigured()
    return connection


def refused_page(
    request: HttpRequest,
    exc: ApplicationError | None,
    protocol: str,
    purpose: str,
    subject: tuple[str, object] = ("sso_connection", 1),
) -> HttpResponse:
    """The refused sign-in's page (nobody signed in), and its audit event."""
    exc = exc or SsoRefused("unknown")
    reason = getattr(exc, "reason", exc.code)
    sso_refusal_record(protocol=protocol, reason=reason, purpose=purpose, subject=subject)
    text = REASONS.get(reason, exc.detail) if isinstance(exc, SsoRefused) else exc.text()
    return render(
        request,
        "identity/refused.html",
        {"detail": text, "reason": reason},
        status=exc.status if isinstance(exc, SsoRefused) else 403,
    )


@require_GET
def sso_login(request: HttpRequest) -> HttpResponse:
    next_path = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts=None):
        next_path = "/"
    with refusal_caught() as refusal:
        connection = _connection()
        return HttpResponseRedirect(
            flows.flow_start(request, connection, purpose="sign_in", next_path=next_path)
        )
    if isinstance(refusal.exc, SsoNotConfigured):
        messages.error(request, _("This organisation has no single sign-on."))
        return redirect("login")
    return refused_page(request, refusal.exc, "", "sign_in")


@require_GET
def sso_test_start(request: HttpRequest) -> HttpResponse:
    """The admin's test sign-in, from the settings page or the link `POST sso/test/` gave."""
    with refusal_caught() as refusal:
        connection = _connection()
        test = flows.test_token_read(request.GET.get("token", ""), host=request.get_host())
        if test["version"] != connection.version:  # made before the last change
            raise SsoRefused("test_link")
        return HttpResponseRedirect(
            flows.flow_start(request, connection, purpose="test", actor_id=test["actor"])
        )
    return refused_page(request, refusal.exc, "", "test")


def _finish(request: HttpRequest, protocol: str) -> HttpResponse:
    flow: dict[str, Any] = {}
    with refusal_caught() as refusal:
        flow = flows.flow_taken(request, protocol)
        connection = _connection()
        identity = flows.flow_finish(request, connection, flow)
        if flow.get("purpose") == "test":
            actor = User.objects.get(pk=flow["actor"])
            sso_test_record(actor=actor, version=int(flow["version"]), identity=identity)
            return render(request, "identity/tested.html", {"identity": identity})
        if connection.version != flow["version"]:
            raise SsoRefused("configuration_changed")
        user = sso_user_sign_in(connection=connection, identity=identity)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(flow.get("next") or "/")
    return refused_page(request, refusal.exc, protocol, str(flow.get("purpose") or "sign_in"))


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    return _finish(request, SsoConnection.Protocol.OIDC)


@csrf_exempt  # the identity provider posts it; the signed response and InResponseTo guard it
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    """The identity provider's POST comes from its own site, so the browser leaves out the
    session cookie (SameSite=Lax): the page posts the response on once more, from this site,
    with the session that started the sign-in."""
    return acs_bounce(request, "/sso/saml/acs/") or _finish(request, SsoConnection.Protocol.SAML)


def acs_bounce(request: HttpRequest, action: str) -> HttpResponse | None:
    """The identity provider's POST, answered with the page that posts it on to `action` from
    this site; None once it came back (`continued`)."""
    if request.POST.get("continued") == "1":
        return None
    return render(
        request,
        "identity/acs_bounce.html",
        {
            "saml_response": request.POST.get("SAMLResponse", ""),
            "relay_state": request.POST.get("RelayState", ""),
            "action": action,
        },
    )


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    connection = sso_connection() or SsoConnection(protocol=SsoConnection.Protocol.SAML)
    return HttpResponse(
        sp_metadata(connection, flows.base_url(request)),
        content_type="application/samlmetadata+xml",
    )
