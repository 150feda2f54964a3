"""Step-up on the HTTP side: the middleware that hands the services the factor a session gave
(and answers a page's step-up refusal in one place), and the code prompt /account/step-up/
that sends the person back to the action with what they had posted.

A page whose service refuses with `step_up_required` (or `mfa_enrolment_required`) is not
shown the refusal as a message: the posted form is kept in the session and the person is sent
to the prompt (or to set up an authenticator); after the code the prompt offers the same form
again, to the same address, so one more click carries out what they asked for. API calls get
the refusal as JSON (apps.api.errors), telling the client to send `otp`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..lockout import SignInIdentityThrottle, SignInLimit, sign_in_failed, throttled_page
from .devices import authenticator_of, code_check
from .forms import CodeForm
from .stepup import (
    EnrolmentRequired,
    StepUpRequired,
    factor_from_session,
    factor_given,
    factors_cleared,
    record_in_session,
)

INTENT = "mfa_step_up_intent"  # the form a refused page had posted, until the code is given
_NOT_KEPT = {"csrfmiddlewaretoken"}


class SecondFactorContext:
    """After django-otp's middleware: the session's last code, as the services' factor
    context, for the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with factors_cleared():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and hasattr(user, "is_verified"):
                factor = factor_from_session(user, request.session)
                if factor is not None:
                    factor_given(factor)
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, StepUpRequired | EnrolmentRequired):
            return None
        if request.path.startswith("/api/"):
            return None  # DRF answered it already; a plain view under /api/ gets the 403
        back = request.get_full_path()
        if request.method == "POST":
            request.session[INTENT] = {
                "path": request.path,
                "fields": [
                    [name, value]
                    for name, values in request.POST.lists()
                    if name not in _NOT_KEPT
                    for value in values
                ],
            }
        return redirect(f"{exc.page}?{urlencode({'next': back})}")


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, {request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    """The code prompt of a money-moving action; the session's factor is fresh after it."""
    user: Any = request.user
    back = _next(request)
    if authenticator_of(user) is None:
        return redirect(f"{EnrolmentRequired.page}?{urlencode({'next': back})}")
    intent = request.session.get(INTENT)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        attempt = _attempt(request, user)
        throttle = SignInIdentityThrottle()
        if not throttle.allow_request(attempt, None):
            return throttled_page(request, SignInLimit("account", int(throttle.wait() or 1)))
        if form.is_valid():
            check = code_check(user, form.cleaned_data["code"])
            if check.ok:
                django_otp.login(request, check.device)  # the session is verified from now
                record_in_session(request.session, check.device)
                request.session.pop(INTENT, None)
                if intent and back.split("?")[0] == intent.get("path"):
                    return render(
                        request,
                        "accounts/step_up_continue.html",
                        {"path": intent["path"], "fields": intent.get("fields") or []},
                    )
                return redirect(back)
            sign_in_failed(attempt)
            form.add_error(
                "code",
                _("Too many wrong codes. Try again in %(seconds)s seconds.")
                % {"seconds": check.wait}
                if check.wait
                else _("That code is not right. Try the one the app shows now."),
            )
    return render(
        request,
        "accounts/step_up.html",
        {"form": form, "next": back, "intent": bool(intent)},
        status=422 if form.errors else 200,
    )


def _attempt(request: HttpRequest, user: Any) -> Any:
    """The code counted like a sign-in of this person (lockout.py's identity rate)."""
    from types import SimpleNamespace

    return SimpleNamespace(data={"username": user.email}, META=request.META)
