"""Sign-in protection: the lockout (django-axes) and the sign-in throttles, both keyed on the
identity user lookup uses (`identity.normalised_identity`), so every spelling that signs in
as an account (`SOMEONE@ACME.EXAMPLE`, a long s U+017F for the s) counts against that
account, and a spelling the lockout counts apart (a dotless i U+0131 for the i) finds no
account to sign in to.

- django-axes locks an identity from one address after AXES_FAILURE_LIMIT failures.
- The throttles cap sign-in attempts per address (every attempt) and failed sign-ins per
  identity across addresses (SIGN_IN_RATES), so guessing from many addresses or at many
  accounts is slowed as well, while signing in again and again (switching roles in the demo)
  is not. The 429 says which limit was hit: this address or this account.
Every 429 carries `Retry-After`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from .identity import normalised_identity

log = structlog.get_logger("spendgate.accounts")


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
    limit = ""  # what the 429 names: "address" or "account"

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
    """Every sign-in attempt from one client address."""

    scope = "address"
    limit = "address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"sign-in:address:{self.get_ident(request)}"


class SignInIdentityThrottle(_SignInThrottle):
    """Failed sign-ins of one identity from any address: asking lets a request through
    without counting it; `sign_in_failed` counts the failures."""

    scope = "identity"
    limit = "account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        identity = normalised_identity(_posted(request).get("username"))
        if not identity:
            return None
        return "sign-in:identity:" + hashlib.sha256(identity.encode()).hexdigest()[:32]

    def throttle_success(self) -> bool:
        return True  # a sign-in that may go ahead is not a failure

    def failure_record(self, request: Any) -> None:
        _limit, duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, None)
        if duration is None or key is None:
            return
        now = self.timer()
        try:
            history = [t for t in self.cache.get(key, []) if t > now - duration]
            self.cache.set(key, [now, *history], duration)
        except (ConnectionError, OSError, RedisError) as exc:
            log.warning("sign_in_throttle_unavailable", error=str(exc)[:200])


SIGN_IN_THROTTLES = (SignInAddressThrottle, SignInIdentityThrottle)


@dataclass(frozen=True)
class SignInLimit:
    """A sign-in rate that is exhausted: which one, and for how long."""

    limit: str  # "address" or "account"
    wait: int

    def detail(self) -> str:
        if self.limit == "account":
            return _(
                "Too many failed sign-in attempts for this account. "
                "Try again in %(seconds)s seconds."
            ) % {"seconds": self.wait}
        return _(
            "Too many sign-in attempts from this address. Try again in %(seconds)s seconds."
        ) % {"seconds": self.wait}


def sign_in_throttled(request: Any, view: Any = None) -> SignInLimit | None:
    """The limit a sign-in attempt is over, if any (the attempt is counted otherwise)."""
    hit = []
    for throttle_class in SIGN_IN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            hit.append(SignInLimit(throttle.limit, int(throttle.wait() or 1)))
    return max(hit, key=lambda h: h.wait) if hit else None


def sign_in_failed(request: Any) -> None:
    """A sign-in attempt failed (wrong password, unknown or locked identity): it counts
    against the identity's rate."""
    SignInIdentityThrottle().failure_record(request)


def throttled_page(request: HttpRequest, hit: SignInLimit) -> HttpResponse:
    response = render(request, "accounts/locked.html", {"detail": hit.detail()}, status=429)
    response["Retry-After"] = str(hit.wait)
    return response
