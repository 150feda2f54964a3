"""The pages of two-step sign-in on the public host: /account/security/ (set up the
authenticator app by scanning a QR code, confirm a code, see the recovery codes once; later:
new recovery codes, remove it) and /account/verify/ (the code after the password)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import default_key

from apps.api.pages import confirm_first, refusal_on_form, refusal_shown
from apps.tenancy.partner_pages import PartnerConfirm

from ..lockout import SignInIdentityThrottle, SignInLimit, sign_in_failed, throttled_page
from ..sessions.views import sessions_context
from . import services
from .devices import (
    authenticator_of,
    code_check,
    has_passkey,
    has_second_factor,
    is_partner_user,
    key_text,
    pending_authenticator,
    qr_svg,
    recovery_codes_left,
)
from .forms import CodeForm
from .gate import SECURITY_PAGE, VERIFY_PAGE
from .stepup import record_in_session

PENDING_KEY = "mfa_pending_key"  # the authenticator being set up, until confirmed


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, {request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    tenant = getattr(request, "tenant", None)
    return "/partner/" if tenant is None or tenant.is_public else "/"


def _partner_user(request: HttpRequest) -> Any:
    """The person setting up their own sign-in: a partner user on the public host, any
    tenant user on a tenant host."""
    tenant = getattr(request, "tenant", None)
    public = tenant is None or tenant.is_public
    if not request.user.is_authenticated or (public and not is_partner_user(request.user)):
        raise PermissionDenied
    return request.user


class OwnSignInConfirm(PartnerConfirm):
    """Removing one's own authenticator: asked for twice, of anyone signed in (a partner
    user on the public host, a tenant user on theirs)."""

    def allowed(self, user: Any) -> bool:
        return bool(user.is_authenticated)


def _verified(request: HttpRequest, device: Any) -> None:
    """The session counts as signed in with both steps (a new session id, as at sign-in)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    record_in_session(request.session, device)  # a fresh factor for step-up (stepup.py)


def _shown_codes(request: HttpRequest, codes: list[str], said: str) -> HttpResponse:
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "said": said, "next": _next(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    OwnSignInConfirm(
        gettext_lazy("Remove the authenticator"),
        gettext_lazy(
            "Your authenticator app and recovery codes stop working at once; the console asks "
            "you to set up a new one before it opens again."
        ),
        {"action": "remove"},
        capability="view_console",
    )
)
def security(request: HttpRequest) -> HttpResponse:
    user = _partner_user(request)
    device = authenticator_of(user)
    if has_second_factor(user) and not user.is_verified():
        return redirect(f"{VERIFY_PAGE}?next={SECURITY_PAGE}")
    action = request.POST.get("action") if request.method == "POST" else None
    if device is None:
        return _set_up(request, user, action)
    if action == "renew":
        with refusal_shown(request):
            codes = services.mfa_recovery_codes_renew(actor=user)
            return _shown_codes(
                request, codes, _("Your new recovery codes; the old ones no longer work.")
            )
    elif action == "remove":
        with refusal_shown(request):
            services.mfa_authenticator_remove(actor=user)
            messages.success(request, _("Your authenticator is removed. Set up a new one now."))
        return redirect(SECURITY_PAGE)
    return render(
        request,
        "accounts/security.html",
        {
            "device": device,
            "codes_left": recovery_codes_left(user),
            "next": _next(request),
            **sessions_context(request, user),  # passkeys and sessions
        },
    )


def _set_up(request: HttpRequest, user: Any, action: str | None) -> HttpResponse:
    key = request.session.get(PENDING_KEY) or default_key()
    request.session[PENDING_KEY] = key
    pending = pending_authenticator(user, key)
    form = CodeForm(request.POST if action == "confirm" else None)
    if action == "confirm" and form.is_valid():
        with refusal_on_form(form):
            device, codes = services.mfa_authenticator_confirm(
                actor=user, key=key, code=form.cleaned_data["code"]
            )
            request.session.pop(PENDING_KEY, None)
            _verified(request, device)
            return _shown_codes(
                request, codes, _("Two-step sign-in is on. Keep these recovery codes safe.")
            )
    return render(
        request,
        "accounts/security_set_up.html",
        {"qr": qr_svg(pending), "key": key_text(pending), "form": form, "next": _next(request)},
        status=422 if form.is_bound else 200,
    )


def _as_sign_in(request: HttpRequest, user: Any) -> Any:
    """The code step counted like a sign-in of this person (lockout.py's identity rate)."""
    return SimpleNamespace(data={"username": user.email}, META=request.META)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _partner_user(request)
    if not has_second_factor(user):
        return redirect(f"{SECURITY_PAGE}?next={_next(request)}")
    if user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        attempt = _as_sign_in(request, user)
        throttle = SignInIdentityThrottle()
        if not throttle.allow_request(attempt, None):
            return throttled_page(request, SignInLimit("account", int(throttle.wait() or 1)))
        if form.is_valid():
            check = code_check(user, form.cleaned_data["code"])
            if check.ok:
                _verified(request, check.device)
                return redirect(_next(request))
            sign_in_failed(attempt)
            if check.wait:
                form.add_error(
                    "code",
                    _("Too many wrong codes. Try again in %(seconds)s seconds.")
                    % {"seconds": check.wait},
                )
            else:
                form.add_error("code", _("That code is not right. Try the one the app shows now."))
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": _next(request), "has_passkey": has_passkey(user)},
        status=422 if form.errors else 200,
    )
