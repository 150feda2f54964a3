from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.errors import ApplicationError
from apps.audit.services import audit_record_atomic


class InvalidCredentials(ApplicationError):
    status = 400
    code = "invalid_credentials"
    default_detail = "The username or password is not correct."


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)


class ObtainTokenView(APIView):
    """Exchange a username (e-mail) and password for an API token of this tenant."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

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
            raise InvalidCredentials()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit_record_atomic(actor=user, action="api_token.issued", subject_type="user", subject_id=user.pk)
        return Response({"token": token.key})
