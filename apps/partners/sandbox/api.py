"""The partner API's sandboxes (public host): `GET partner/sandboxes/` lists the partner's
sandbox tenants; `POST partner/sandboxes/ {from_tenant}` makes one from a production tenant
(201, with the stand-ins' password shown this once)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.fields import Text
from apps.api.parsers import BoundedJSONParser
from apps.controls.refusals import ValidationFailed
from apps.tenancy.models import Client
from apps.tenancy.selectors import partner_clients, primary_domain
from apps.tenancy.services import partner_of

from .selectors import partner_sandboxes
from .services import sandbox_create


class SandboxCreateSerializer(serializers.Serializer):
    from_tenant = Text(help_text="The slug of the production tenant whose configuration to copy.")


class SandboxSerializer(serializers.ModelSerializer):
    domain = serializers.SerializerMethodField()
    sandbox_of = serializers.SerializerMethodField(
        help_text="The slug of the production tenant it stands in for."
    )

    class Meta:
        model = Client
        fields = ["slug", "name", "domain", "status", "sandbox_of", "created_at"]

    def get_domain(self, obj: Client) -> str:
        return primary_domain(obj)

    def get_sandbox_of(self, obj: Client) -> str:
        return obj.sandbox_of.slug if obj.sandbox_of is not None else ""


class StandInSerializer(serializers.Serializer):
    role = serializers.CharField()
    email = serializers.CharField()


class CopiedSerializer(serializers.Serializer):
    legal_entities = serializers.IntegerField()
    cost_centers = serializers.IntegerField()
    spend_categories = serializers.IntegerField()
    budgets = serializers.IntegerField()
    approval_limits = serializers.IntegerField()
    stand_ins = serializers.IntegerField()


class SandboxCreatedSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    status = serializers.CharField()
    sandbox_of = serializers.CharField(help_text="The production tenant it stands in for.")
    created_at = serializers.DateTimeField()
    policy_version = serializers.CharField(
        allow_blank=True, help_text="The sandbox's published policy, copied from production."
    )
    stand_ins = StandInSerializer(many=True, help_text="One generated person per role in use.")
    stand_in_password = serializers.CharField(
        help_text="Every stand-in signs in with it; shown this once."
    )
    copied = CopiedSerializer()


def _production_tenant(user: Any, slug: str) -> Client:
    partner = partner_of(user, "manage_sandboxes")
    client = partner_clients(partner).filter(slug=slug.strip().lower()).first()
    if client is None:
        raise ValidationFailed(
            errors={"from_tenant": [_("None of your client tenants has this slug.")]}
        )
    return client


class SandboxListCreateView(ListAPIView):
    """The partner's sandbox tenants; POST makes one from a production tenant."""

    serializer_class = SandboxSerializer
    parser_classes = [BoundedJSONParser]

    def get_queryset(self) -> Any:
        return partner_sandboxes(partner_of(self.request.user))

    @extend_schema(request=SandboxCreateSerializer, responses={201: SandboxCreatedSerializer})
    def post(self, request: Request) -> Response:
        payload = SandboxCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        source = _production_tenant(request.user, payload.validated_data["from_tenant"])
        created = sandbox_create(actor=request.user, from_client=source)
        body = {
            **SandboxSerializer(created.client).data,
            "policy_version": created.written.policy_label,
            "stand_ins": [{"role": s.role, "email": s.email} for s in created.written.standins],
            "stand_in_password": created.password,
            "copied": created.written.counts,
        }
        return Response(SandboxCreatedSerializer(body).data, status=status.HTTP_201_CREATED)
