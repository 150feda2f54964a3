"""Sign-in protection: the lockout (django-axes) and the sign-in throttles, both keyed on the
normalised identity, so `SOMEONE@ACME.EXAMPLE` is the same account as `someone@acme.example`
(sign-in matches e-mails without regard to case, so the lockout must too).

- django-axes locks an identity from one address after AXES_FAILURE_LIMIT failures.
- The throttles cap sign-in attempts per address and per identity across addresses
  (SIGN_IN_RATES), so guessing from many addresses or at many accounts is slowed as well.
Every 429 carries `Retry-After`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

log = structlog.get_logger("spendgate.accounts")


def normalised_identity(username: object) -> str:
    return str(username or "").strip().lower()


def _posted(request: Any) -> Mapping[str, Any]:
    """The sign-in form or JSON body; anything but an object (a JSON list) names nobody."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    return data if isinstance(data, Mapping) else {}


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the identity every failure and the lockout are counted on."""
    if credentials and credentials.get("username") is not None:
        return normalised_identity(credentials.get("username"))
    return normalised_identity(_posted(request).get(settings.AXES_USERNAME_FORM_FIELD))


def _cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    detail = _("Too many failed sign-in attempts. Try again later or ask your administrator.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "account_locked", "detail": detail}, status=429)
    else:
        response = render(request, "accounts/locked.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(_cooloff_seconds())
    return response


class _SignInThrottle(SimpleRateThrottle):
    """Rates come from settings.SIGN_IN_RATES each time (so a deployment, or a test, can set
    them); the cache is the shared Redis, so every process counts together."""

    scope = ""

    def get_rate(self) -> str | None:
        return dict(settings.SIGN_IN_RATES).get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        """With the cache (Redis) unreachable the throttle lets sign-in through: the lockout
        (in the database) still counts failures, and nobody is locked out of the product by
        a cache outage."""
        try:
            return bool(super().allow_request(request, view))
        except (ConnectionError, OSError, RedisError) as exc:
            log.warning("sign_in_throttle_unavailable", error=str(exc)[:200])
            return True


class SignInAddressThrottle(_SignInThrottle):
    scope = "address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"sign-in:address:{self.get_ident(request)}"


class SignInIdentityThrottle(_SignInThrottle):
    scope = "identity"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        identity = normalised_identity(_posted(request).get("username"))
        if not identity:
            return None
        return "sign-in:identity:" + hashlib.sha256(identity.encode()).hexdigest()[:32]


SIGN_IN_THROTTLES = (SignInAddressThrottle, SignInIdentityThrottle)


def sign_in_throttled(request: Any, view: Any = None) -> int | None:
    """Seconds to wait when a sign-in attempt is over a rate (and count it otherwise)."""
    waits = []
    for throttle_class in SIGN_IN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            waits.append(int(throttle.wait() or 1))
    return max(waits) if waits else None


def throttled_page(request: HttpRequest, wait: int) -> HttpResponse:
    detail = _("Too many sign-in attempts from here. Try again in %(seconds)s seconds.") % {
        "seconds": wait
    }
    response = render(request, "accounts/locked.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(wait)
    return response
