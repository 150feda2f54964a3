"""The portal opens only to a person who signed in with both steps when they must use a
second factor: every partner user on the public host (the partner console), and on a tenant
host each person holding a role the tenant's policy names (`mfa.required_roles`,
apps.accounts.mfa.policy).

On the public host, a partner user signed in by session (pages, and API calls the browser makes
with its session) reaches a page only once their session is verified by a code: without an
authenticator they are sent to set one up (/account/security/), with one to type its code
(/account/verify/). An API call answers 403 `mfa_enrolment_required` or `otp_required` instead
of a redirect. A call with an API token passes here: the token endpoint asked for the code when
the person has an authenticator (apps.accounts.api.views.ObtainTokenView).

A tenant user who is not required passes, enrolled or not; the money-moving actions ask
everyone for a fresh code all the same (apps.accounts.mfa.stepup)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .devices import has_second_factor
from .policy import must_use_mfa

SECURITY_PAGE = "/account/security/"
VERIFY_PAGE = "/account/verify/"
# what a partner user reaches before the second step: signing in and out, setting up the
# authenticator, accepting an invitation, the token endpoint (it asks for the code itself)
OPEN_PATHS = (
    "/login/",
    "/logout/",
    "/language/",  # the verify page has the language menu too
    "/account/",
    "/invite/",
    "/static/",
    "/api/v1/auth/token/",
)


class MfaGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refusal(request)
        return refused if refused is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        tenant = getattr(request, "tenant", None)
        if tenant is None or request.path.startswith(OPEN_PATHS):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        if not must_use_mfa(user, public=tenant.is_public):
            return None
        enrolled = has_second_factor(user)
        if request.path.startswith("/api/"):
            if enrolled:
                code, detail = (
                    "otp_required",
                    _("Type the code from your authenticator app first (%(page)s).")
                    % {"page": VERIFY_PAGE},
                )
            else:
                code, detail = (
                    "mfa_enrolment_required",
                    _("Set up two-step sign-in first (%(page)s): your role requires it.")
                    % {"page": SECURITY_PAGE},
                )
            return JsonResponse({"code": code, "detail": detail}, status=403)
        page = VERIFY_PAGE if enrolled else SECURITY_PAGE
        return redirect(f"{page}?{urlencode({'next': request.get_full_path()})}")
