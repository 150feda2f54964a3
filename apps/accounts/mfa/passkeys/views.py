"""The browser's passkey endpoints (static/js/passkeys.js calls them with the page's CSRF
token): registration options and answer, sign-in options and answer (the second step at
/account/verify/), and removing one from /account/security/ (asked for twice). A person who
has a second factor registers a passkey only from a session verified with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.api.errors import json_error
from apps.api.pages import Refusal, confirm_first, refusal_caught, refusal_shown

from ...current import current_user
from ...lockout import SignInIdentityThrottle, sign_in_failed
from ...models import Passkey
from ...sessions.views import OwnConfirm
from ..devices import has_second_factor
from ..gate import SECURITY_PAGE
from ..stepup import record_in_session
from . import ceremony, services


def factor_given(request: HttpRequest, device: Any) -> None:
    """The session counts as signed in with both steps (a new session id, as at sign-in), and
    remembers when and with what."""
    request.session.cycle_key()
    django_otp.login(request, device)
    record_in_session(request.session, device)  # what step-up reads (stepup.py)


def _rp(request: HttpRequest) -> ceremony.RelyingParty:
    tenant = getattr(request, "tenant", None)
    name = getattr(tenant, "portal_name", "") or "Spendgate"
    return ceremony.relying_party(
        host=request.get_host(), scheme=request.scheme or "http", name=name
    )


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(refusal: Refusal) -> JsonResponse:
    """The refusal as the API answers one (`{code, detail}`): these endpoints are fetched."""
    exc = refusal.exc
    assert exc is not None
    return json_error(exc.code, exc.text(), exc.status)


def _next(request: HttpRequest, wanted: str) -> str:
    if wanted and url_has_allowed_host_and_scheme(
        wanted, {request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/partner/" if getattr(request.tenant, "is_public", False) else "/"  # type: ignore[attr-defined]


def _may_register(request: HttpRequest) -> JsonResponse | None:
    user = request.user
    if has_second_factor(user) and not user.is_verified():  # type: ignore[union-attr]
        text = _("Sign in with your second factor first, then add a passkey.")
        return json_error("otp_required", text, 403)
    return None


@login_required
@require_POST
def register_options(request: HttpRequest) -> HttpResponse:
    refused = _may_register(request)
    if refused is not None:
        return refused
    options = ceremony.registration_options(request.session, request.user, _rp(request))
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def register(request: HttpRequest) -> HttpResponse:
    refused = _may_register(request)
    if refused is not None:
        return refused
    body = _body(request)
    with refusal_caught() as refusal:
        new = ceremony.registration_check(
            request.session, _rp(request), body.get("credential") or {}
        )
        passkey = services.passkey_register(
            actor=current_user(request), name=str(body.get("name") or ""), new=new
        )
    if refusal:
        return _refusal(refusal)
    factor_given(request, passkey)  # the person just proved they hold it
    messages.success(request, _("Passkey “%(name)s” added.") % {"name": passkey.name})
    return JsonResponse({"id": passkey.pk, "name": passkey.name, "next": SECURITY_PAGE})


def _attempt(request: HttpRequest) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(data={"username": request.user.email}, META=request.META)  # type: ignore[union-attr]


@login_required
@require_POST
def verify_options(request: HttpRequest) -> HttpResponse:
    options = ceremony.authentication_options(request.session, request.user, _rp(request))
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """The passkey's answer as the second step of signing in (counted like a code: a wrong
    answer counts against the account's sign-in rate)."""
    attempt = _attempt(request)
    throttle = SignInIdentityThrottle()
    if not throttle.allow_request(attempt, None):
        wait = int(throttle.wait() or 1)
        text = _("Too many attempts. Try again in %(seconds)s seconds.") % {"seconds": wait}
        return json_error("throttled", text, 429)
    body = _body(request)
    with refusal_caught() as refusal:
        passkey = ceremony.assertion_check(
            request.session, request.user, _rp(request), body.get("credential") or {}
        )
    if refusal:
        sign_in_failed(attempt)
        return _refusal(refusal)
    factor_given(request, passkey)
    return JsonResponse({"next": _next(request, str(body.get("next") or ""))})


def _own_passkey(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Someone else's passkey (or one gone) is not found, before any confirmation step."""

    @wraps(view)
    def checked(request: HttpRequest, passkey_id: int) -> HttpResponse:
        if not Passkey.objects.filter(pk=passkey_id, user_id=request.user.pk).exists():
            raise Http404
        return view(request, passkey_id)

    return checked


@login_required
@require_POST
@_own_passkey
@confirm_first(
    OwnConfirm(
        gettext_lazy("Remove the passkey"),
        gettext_lazy("The passkey no longer signs you in; your other second factors still do."),
        capability="",
    )
)
def remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    with refusal_shown(request):
        services.passkey_remove(actor=current_user(request), passkey_id=passkey_id)
        messages.success(request, _("The passkey is removed."))
    return redirect(request.POST.get("back") or SECURITY_PAGE)
