"""`sso/` (GET, PUT, PATCH) and `POST sso/test/`: the tenant's single sign-on, tenant admins only
(CONTRACT.md §3). The client secret is written, never read back."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.permissions import Capability
from apps.controls.refusals import ValidationFailed

from .. import flows
from ..models import SsoConnection
from ..refusals import SsoNotConfigured
from ..selectors import sso_connection
from ..services import sso_connection_save, sso_enforce

# tenant admins set single sign-on up; auditors read how it is set (the secret is never read)
ADMIN = Capability.of(
    read=("accounts.manage_settings", "accounts.view_audit"), write="accounts.manage_settings"
)


class SsoSerializer(serializers.Serializer):
    protocol = serializers.ChoiceField(choices=SsoConnection.Protocol.choices)
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    discovery_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    client_id = serializers.CharField(max_length=255, required=False, allow_blank=True)
    client_secret = serializers.CharField(
        max_length=500, required=False, write_only=True, trim_whitespace=False
    )
    metadata = serializers.CharField(
        source="idp_metadata_xml", required=False, allow_blank=True, max_length=512 * 1024
    )
    idp_entity_id = serializers.CharField(read_only=True)
    sp_entity_id = serializers.CharField(max_length=500, required=False, allow_blank=True)
    email_claim = serializers.CharField(max_length=120, required=False)
    name_claim = serializers.CharField(max_length=120, required=False)
    groups_claim = serializers.CharField(max_length=120, required=False)
    role_mapping = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=40)), required=False
    )
    enforced = serializers.BooleanField(required=False)
    break_glass_user = serializers.EmailField(required=False, allow_null=True)
    tested_at = serializers.DateTimeField(read_only=True)
    configured_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["break_glass_user"] = (
            instance.break_glass_user.email if instance.break_glass_user_id else None
        )
        return dict(data)


def _break_glass(email: str | None) -> User | None:
    if not email:
        return None
    user = User.objects.with_identity(email).first()
    if user is None:
        raise ValidationFailed(errors={"break_glass_user": [_("No user has this e-mail.")]})
    return user


class SsoView(APIView):
    permission_classes = [ADMIN]

    @extend_schema(responses=SsoSerializer)
    def get(self, request: Request) -> Response:
        connection = sso_connection()
        if connection is None:
            raise SsoNotConfigured()
        return Response(SsoSerializer(connection).data)

    def _save(self, request: Request, *, partial: bool) -> Response:
        payload = SsoSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        enforced = data.pop("enforced", None)
        secret = data.pop("client_secret", None)
        glass: Any = "keep"
        if "break_glass_user" in data:
            glass = _break_glass(data.pop("break_glass_user"))
        actor = current_user(request)
        connection = sso_connection()
        if data or secret is not None or glass != "keep" or connection is None:
            connection = sso_connection_save(
                actor=actor, changes=data, client_secret=secret, break_glass_user=glass
            )
        if enforced is not None:
            connection = sso_enforce(actor=actor, enforced=enforced)
        return Response(SsoSerializer(sso_connection()).data)

    @extend_schema(request=SsoSerializer, responses=SsoSerializer)
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=SsoSerializer, responses=SsoSerializer)
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)


class SsoTestView(APIView):
    """A link that runs the test sign-in in a browser (10 minutes, this configuration only):
    success records `tested_at`."""

    permission_classes = [ADMIN]

    @extend_schema(
        request=None,
        responses={202: inline_serializer("SsoTest", {"test_url": serializers.URLField()})},
    )
    def post(self, request: Request) -> Response:
        connection = sso_connection()
        if connection is None:
            raise SsoNotConfigured()
        token = flows.test_token(
            actor_id=current_user(request).pk,
            version=connection.version,
            host=request.get_host(),
        )
        url = request.build_absolute_uri(f"/sso/test/start/?token={token}")
        return Response({"test_url": url}, status=status.HTTP_202_ACCEPTED)
