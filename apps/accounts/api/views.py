from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.permissions import Capability
from apps.controls.refusals import ApplicationError
from apps.events.services import event_record_atomic

from .. import selectors, services
from ..current import current_user
from ..language import activate_for
from ..lockout import sign_in_failed, sign_in_throttled
from ..mfa.devices import code_check, has_second_factor, is_partner_user
from ..mfa.policy import must_use_mfa
from ..sign_in_policy import password_sign_in_refusal
from ..usage import sign_in_record
from .serializers import MeSerializer, MeUpdateSerializer, UserInviteSerializer, UserSerializer


class InvalidCredentials(ApplicationError):
    status = 401
    code = "invalid_credentials"
    default_detail = gettext_lazy("The username or password is not correct.")


class SsoRequired(ApplicationError):
    status = 403
    code = "sso_required"
    default_detail = gettext_lazy("This organisation signs in with single sign-on.")


class OtpRequired(ApplicationError):
    status = 401
    code = "otp_required"
    default_detail = gettext_lazy(
        "This account signs in with two steps: send the code from its authenticator app as `otp`."
    )


class OtpInvalid(ApplicationError):
    status = 401
    code = "otp_invalid"
    default_detail = gettext_lazy("The code is not right. Send the one the app shows now.")


class MfaEnrolmentRequired(ApplicationError):
    status = 403
    code = "mfa_enrolment_required"
    default_detail = gettext_lazy(
        "Your role signs in with two steps: set up an authenticator app on /account/security/ "
        "first, then send its code as `otp`."
    )


class SignInThrottled(exceptions.Throttled):
    """429 `throttled`; the detail already says when to come back."""

    def __init__(self, *, wait: int, detail: str) -> None:
        super().__init__(detail=detail)
        self.wait = wait  # Retry-After


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=(
            "Whoever has an authenticator (partner users, and tenant users whose role the "
            "policy requires to use one): the six digits it shows now, or a recovery code."
        ),
    )


class ObtainTokenView(APIView):
    """Exchange a username (e-mail) and password for an API token of this tenant."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def check_throttles(self, request: Request) -> None:
        """The sign-in rates (lockout.py), with the 429 naming the one that was hit."""
        hit = sign_in_throttled(request, self)
        if hit is not None:
            raise SignInThrottled(wait=hit.wait, detail=hit.detail())

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, so django-axes counts the failure and can lock the account.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            sign_in_failed(request)
            raise InvalidCredentials()
        refusal = password_sign_in_refusal(user, "api")
        if refusal:
            raise SsoRequired(refusal)
        self._second_step(request, user, data.validated_data.get("otp") or "")
        sign_in_record(sender=None, request=request, user=user)  # active this month (plans)
        token, created = Token.objects.get_or_create(user=user)
        if created:
            event_record_atomic(
                actor=user, action="api_token.issued", subject_type="user", subject_id=user.pk
            )
        return Response({"token": token.key})

    def _second_step(self, request: Request, user: Any, otp: str) -> None:
        """Whoever has an authenticator sends its code as well. Whoever must use one (partner
        users on the partner host; a tenant user whose role the policy names) and has none is
        refused until they set one up on /account/security/, as the console and the pages
        refuse them (apps.accounts.mfa.gate, docs/identity.md): a token is no way around the
        second factor. Service accounts sign in with their keys, never here."""
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return
        if tenant.is_public and not is_partner_user(user):
            return
        if not has_second_factor(user):
            if must_use_mfa(user, public=tenant.is_public):
                raise MfaEnrolmentRequired()
            return
        if not otp.strip():
            raise OtpRequired()
        check = code_check(user, otp)
        if not check.ok:
            sign_in_failed(request)
            if check.wait:
                raise SignInThrottled(
                    wait=check.wait,
                    detail=str(
                        gettext_lazy("Too many wrong codes. Try again in %(seconds)s seconds.")
                    )
                    % {"seconds": check.wait},
                )
            raise OtpInvalid()


class UserListInviteView(ListAPIView):
    """The tenant's users; POST invites one (an e-mail with a link to set a password)."""

    serializer_class = UserSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.manage_users", "accounts.view_audit"), write="accounts.manage_users"
        )
    ]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.tenant_users()

    @extend_schema(request=UserInviteSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        payload = UserInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_invite(
            actor=current_user(request),
            base_url=request.build_absolute_uri("/"),
            portal_name=request.tenant.portal_name,  # type: ignore[attr-defined]
            **payload.validated_data,
        )
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    """The signed-in person, and the language they read (CONTRACT §8): their choice, else the
    organisation's default, else the browser's. The answer to PATCH is already in the new
    language."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(current_user(request)).data)

    @extend_schema(request=MeUpdateSerializer, responses={200: MeSerializer})
    def patch(self, request: Request) -> Response:
        payload = MeUpdateSerializer(data=request.data, partial=True)  # PATCH: what is sent
        payload.is_valid(raise_exception=True)
        person = current_user(request)
        if "language" in payload.validated_data:
            person = services.user_language_set(
                person=person, language=payload.validated_data["language"]
            )
            activate_for(request, person)
        return Response(MeSerializer(person).data)
