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
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.fields import Text
from apps.api.parsers import BoundedJSONParser
from apps.controls.refusals import NotFound, ValidationFailed
from apps.policies.managed import field_label
from apps.tenancy.models import Client
from apps.tenancy.selectors import partner_clients, primary_domain
from apps.tenancy.services import partner_of

from ..policy_templates.models import PolicyTemplate
from ..policy_templates.selectors import template_preview
from .selectors import partner_sandbox, partner_sandboxes
from .services import sandbox_create, sandbox_promote


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


class PromoteSerializer(serializers.Serializer):
    template = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The template to promote into; by default the one the production tenant follows.",
    )


class PromotedFieldSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's path in the policy document.")
    name = serializers.CharField(help_text="The field as people read it.")


class PromotionSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    template_name = serializers.CharField()
    version = serializers.IntegerField(help_text="The new template version, not yet published.")
    production = serializers.CharField(help_text="The production tenant to publish it to.")
    pushed = PromotedFieldSerializer(many=True, help_text="Fields the version sets there.")
    left_local = PromotedFieldSerializer(
        many=True, help_text="Changed in the sandbox, but the client's own choice (local)."
    )
    preview = serializers.ListField(
        child=serializers.DictField(), help_text="The preview on the production tenant."
    )


class SandboxPromoteView(APIView):
    """What changed in a sandbox's policy becomes a new version of the production tenant's
    template, previewed on the production tenant's own 90 days; publish it with
    `partner/templates/{id}/publish/ {version, tenants: [production], stage: pilot}`."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(request=PromoteSerializer, responses={201: PromotionSerializer})
    def post(self, request: Request, slug: str) -> Response:
        payload = PromoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        partner = partner_of(request.user, "manage_templates")
        sandbox = partner_sandbox(partner, slug)
        if sandbox is None:
            raise NotFound(_("None of your sandboxes is called %(slug)s.") % {"slug": slug})
        template = None
        if "template" in payload.validated_data:
            template = PolicyTemplate.objects.filter(
                partner=partner, pk=payload.validated_data["template"]
            ).first()
            if template is None:
                raise NotFound(_("No such policy template."))
        promotion = sandbox_promote(actor=current_user(request), sandbox=sandbox, template=template)
        version = promotion.version
        body = {
            "template": version.template_id,
            "template_name": version.template.name,
            "version": version.number,
            "production": promotion.production.slug,
            "pushed": [{"field": p, "name": field_label(p)} for p in promotion.pushed],
            "left_local": [{"field": p, "name": field_label(p)} for p in promotion.left_local],
            "preview": template_preview(version=version, clients=[promotion.production]),
        }
        return Response(PromotionSerializer(body).data, status=status.HTTP_201_CREATED)
