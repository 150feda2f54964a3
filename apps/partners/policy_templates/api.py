"""The partner API for policy templates (public host, /api/v1/partner/…): templates and their
versions, the per-tenant preview, staged publication, and the drift report."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.fields import Text
from apps.api.parsers import BoundedJSONParser
from apps.api.query import MAX_INT, Filters, QueryParam
from apps.controls.refusals import NotFound
from apps.policies.managed import MODES
from apps.tenancy.selectors import partner_clients
from apps.tenancy.services import partner_of

from . import selectors, services
from .models import PolicyTemplate, PolicyTemplateVersion, TemplateRollout


class RolloutSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="client.slug")
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = TemplateRollout
        fields = ["tenant", "stage", "policy_version", "published_by", "published_at", "preview"]

    def get_published_by(self, rollout: TemplateRollout) -> str | None:
        return rollout.published_by.email if rollout.published_by else None


class VersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    rollouts = RolloutSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyTemplateVersion
        fields = [
            "number",
            "note",
            "fields",
            "document",
            "from_tenant",
            "created_by",
            "created_at",
            "rollouts",
        ]

    def get_created_by(self, version: PolicyTemplateVersion) -> str | None:
        return version.created_by.email if version.created_by else None


class TemplateSerializer(serializers.ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyTemplate
        fields = ["id", "name", "description", "created_at", "versions"]


@extend_schema_field({"type": "object", "additionalProperties": {"enum": ["locked", "local"]}})
class FieldsField(serializers.JSONField):
    """{field path: "locked" | "local"}: the shape here (400), the paths by the service (422)."""

    default_error_messages = {"invalid": "An object of field paths, each locked or local."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict) or any(mode not in MODES for mode in data.values()):
            self.fail("invalid")
        return super().to_internal_value(data)


class VersionInputSerializer(serializers.Serializer):
    fields = FieldsField()  # type: ignore[assignment]  # a declared field, not Serializer.fields
    document = serializers.JSONField(required=False, allow_null=True)
    from_tenant = Text(required=False, allow_blank=True, max_length=31)
    note = Text(required=False, allow_blank=True, max_length=300, default="")


class TemplateInputSerializer(serializers.Serializer):
    name = Text(max_length=200)
    description = Text(required=False, allow_blank=True, max_length=500, default="")
    document = serializers.JSONField(allow_null=True)
    fields = FieldsField()  # type: ignore[assignment]  # a declared field, not Serializer.fields
    note = Text(required=False, allow_blank=True, max_length=300, default="")


class PreviewInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    tenants = serializers.ListField(child=Text(max_length=31), min_length=1, max_length=200)


class PublishInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    stage = serializers.ChoiceField(choices=TemplateRollout.Stage.choices)
    tenants = serializers.ListField(
        child=Text(max_length=31), required=False, max_length=200, default=list
    )


def _template(request: Request, pk: int) -> PolicyTemplate:
    partner = partner_of(request.user, services.CAPABILITY)
    found = (
        selectors.partner_templates(partner).filter(pk=pk).first() if 0 < pk <= MAX_INT else None
    )
    if found is None:
        raise NotFound(_("No such policy template."))
    return found


def _version(template: PolicyTemplate, number: int) -> PolicyTemplateVersion:
    found = template.versions.filter(number=number).select_related("template__partner").first()
    if found is None:
        raise NotFound(
            _("%(name)s has no version %(number)s.")
            % {"name": f'"{template.name}"', "number": number}
        )
    return found


class TemplateListView(ListAPIView):
    """The partner's policy templates with their versions and where each was published."""

    # JSON only: the policy and its fields are objects, which a form cannot carry
    parser_classes = [BoundedJSONParser]

    serializer_class = TemplateSerializer

    def get_queryset(self) -> Any:
        return selectors.partner_templates(partner_of(self.request.user, services.CAPABILITY))

    @extend_schema(request=TemplateInputSerializer, responses={201: TemplateSerializer})
    def post(self, request: Request) -> Response:
        payload = TemplateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        template = services.template_create(actor=current_user(request), **payload.validated_data)
        return Response(
            TemplateSerializer(_template(request, template.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateDetailView(APIView):
    @extend_schema(responses=TemplateSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TemplateSerializer(_template(request, pk)).data)


class TemplateVersionView(APIView):
    """A new version, from a policy document or from a client's published policy."""

    # JSON only: the policy and its fields are objects, which a form cannot carry
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=VersionInputSerializer, responses={201: VersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        template = _template(request, pk)
        payload = VersionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.template_version_create(
            actor=current_user(request), template=template, **payload.validated_data
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class TemplatePreviewView(APIView):
    """Per tenant, on its own last 90 days: what the version would change and which
    requisitions would have been routed differently. Changes nothing."""

    # JSON only: the policy and its fields are objects, which a form cannot carry
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=PreviewInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        template = _template(request, pk)
        payload = PreviewInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = _version(template, payload.validated_data["version"])
        clients = [
            services.partner_client(template.partner, slug)
            for slug in dict.fromkeys(payload.validated_data["tenants"])
        ]
        return Response(
            {
                "template": template.name,
                "version": version.number,
                "tenants": selectors.template_preview(version=version, clients=clients),
            }
        )


class TemplatePublishView(APIView):
    """Publish a version: `pilot` to the tenants named, then `all` (the tenants named, or every
    client that does not have it yet); `all` before a pilot is refused (409)."""

    # JSON only: the policy and its fields are objects, which a form cannot carry
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=PublishInputSerializer, responses=RolloutSerializer(many=True))
    def post(self, request: Request, pk: int) -> Response:
        template = _template(request, pk)
        payload = PublishInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rollouts = services.template_publish(
            actor=current_user(request),
            version=_version(template, data["version"]),
            stage=data["stage"],
            tenants=data["tenants"] or None,
        )
        return Response(RolloutSerializer(rollouts, many=True).data)


DRIFT_FILTERS = Filters(QueryParam("tenant", description="One client tenant, by its slug."))


class DriftView(APIView):
    """Per client: the template version it follows and each field of it that differs: a local
    override, or a locked field changed; who changed it and when."""

    @extend_schema(parameters=DRIFT_FILTERS.parameters(), responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        partner = partner_of(request.user, services.CAPABILITY)
        slug = DRIFT_FILTERS.read(request.query_params)["tenant"]
        clients = (
            [services.partner_client(partner, slug)]
            if slug
            else list(partner_clients(partner).order_by("name"))
        )
        return Response({"tenants": selectors.drift_report(partner, clients)})
