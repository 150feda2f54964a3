"""The API's sign-in classes, with the second factor a call may carry for step-up: a code in
the `X-Spendgate-OTP` header (or an `otp` field of a JSON body) is checked against the
person's devices once they are authenticated, before the view runs (outside any transaction,
so django-otp's back-off after a wrong code holds), and given to the services as a fresh
factor of this request (apps.accounts.mfa.stepup). A wrong code is refused at once (403
`otp_invalid`); no code leaves the call as it was (a step-up action then asks for one)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication

from apps.api.auth import TokenAuthentication
from apps.controls.refusals import PermissionRefused

from ..language import activate_for
from .devices import code_check
from .stepup import OTP_HEADER, Factor, factor_given


class OtpInvalid(PermissionRefused):
    code = "otp_invalid"
    default_detail = gettext_lazy(
        "The code sent with this request is not right. Send the one the app shows now."
    )


def _code_of(request: Any) -> str:
    code = request.headers.get(OTP_HEADER, "")
    if not code and request.content_type.startswith("application/json"):
        data = request.data
        if isinstance(data, dict) and isinstance(data.get("otp"), str):
            code = data["otp"]
    return code.strip()


def second_factor_of_request(request: Any, user: Any) -> None:
    code = _code_of(request)
    if not code or user is None or not getattr(user, "pk", None):
        return
    check = code_check(user, code)
    if not check.ok:
        detail = None
        if check.wait:
            detail = str(
                gettext_lazy("Too many wrong codes. Try again in %(seconds)s seconds.")
            ) % {"seconds": check.wait}
        raise OtpInvalid(detail)
    name = getattr(check.device, "name", "") or "authenticator"
    factor_given(Factor(user.pk, timezone.now(), name, how="request"))


class TokenWithSecondFactor(TokenAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            activate_for(request, result[0])  # `detail` in the person's language
            second_factor_of_request(request, result[0])
        return result


class SessionWithSecondFactor(SessionAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            second_factor_of_request(request, result[0])
        return result


class SessionWithSecondFactorScheme(SessionScheme):
    """The OpenAPI schema names this sign-in as the session cookie it is."""

    target_class = "apps.accounts.mfa.api_auth.SessionWithSecondFactor"
