"""The partner API of a client tenant's lifecycle (public host): offboarding, its cancel and
the export's download. Suspension and resumption are tenancy's (`suspend/`, `reactivate/`)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.fields import Text
from apps.api.parsers import BoundedJSONParser
from apps.controls.refusals import NotFound
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of

from ..lifecycle_models import Offboarding
from ..services.lifecycle import export_path, tenant_offboard, tenant_offboard_cancel


class WholeNumber(serializers.IntegerField):
    """A JSON integer and nothing else (DRF also reads "30" and 30.0 as 30)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class OffboardSerializer(serializers.Serializer):
    confirm_name = Text(
        allow_blank=True, help_text="The tenant's name, typed back: its data will be deleted."
    )
    reason = Text(allow_blank=True, help_text="Why, kept in the audit trail.")
    retention_days = WholeNumber(
        help_text="Days the data is kept before it is deleted: 7 to 3650 (422 outside)."
    )


class OffboardCancelSerializer(serializers.Serializer):
    reason = Text(allow_blank=True, help_text="Why, kept in the audit trail.")


class ExportSerializer(serializers.Serializer):
    name = serializers.CharField(source="export_name")
    sha256 = serializers.CharField(source="export_sha256")
    size = serializers.IntegerField(source="export_size", help_text="Bytes.")
    tables = serializers.IntegerField(source="export_tables")
    rows = serializers.IntegerField(source="export_rows")
    files = serializers.IntegerField(source="export_files")
    audit_events = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj: Offboarding) -> str:
        return reverse("partner-api-tenant-export", kwargs={"slug": obj.client.slug})


class OffboardingSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="client.slug")
    tenant_status = serializers.CharField(source="client.status")
    export = serializers.SerializerMethodField()

    class Meta:
        model = Offboarding
        fields = [
            "tenant",
            "tenant_status",
            "status",
            "reason",
            "retention_days",
            "delete_after",
            "requested_by",
            "created_at",
            "cancelled_by",
            "cancel_reason",
            "ended_at",
            "export",
        ]

    @extend_schema(responses=ExportSerializer)
    def get_export(self, obj: Offboarding) -> dict[str, Any]:
        return dict(ExportSerializer(obj).data)


def _client(request: Request, slug: str) -> Client:
    """The partner's own tenant (offboarded ones included); a rival's answers 404."""
    partner = partner_of(request.user, "manage_lifecycle")
    client = Client.tombstones_included.filter(partner=partner, slug=slug).first()
    if client is None:
        raise NotFound()
    return client


def _latest(client: Client) -> Offboarding:
    offboarding = client.offboardings.select_related("client").first()
    if offboarding is None:
        raise NotFound()
    return offboarding


class TenantOffboardView(APIView):
    """GET: the tenant's latest offboarding. POST: offboard the (suspended) tenant: a full
    export now, its data deleted after `retention_days`. Partner admins only."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(responses=OffboardingSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(OffboardingSerializer(_latest(_client(request, slug))).data)

    @extend_schema(request=OffboardSerializer, responses={201: OffboardingSerializer})
    def post(self, request: Request, slug: str) -> Response:
        client = _client(request, slug)
        payload = OffboardSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        offboarding = tenant_offboard(actor=request.user, client=client, **payload.validated_data)
        return Response(OffboardingSerializer(offboarding).data, status=status.HTTP_201_CREATED)


class TenantOffboardCancelView(APIView):
    """Cancel the offboarding before its deletion date; the tenant is suspended again."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(request=OffboardCancelSerializer, responses=OffboardingSerializer)
    def post(self, request: Request, slug: str) -> Response:
        client = _client(request, slug)
        payload = OffboardCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        offboarding = tenant_offboard_cancel(
            actor=request.user, client=client, reason=payload.validated_data["reason"]
        )
        return Response(OffboardingSerializer(offboarding).data)


def export_attachment(offboarding: Offboarding) -> FileResponse:
    path = export_path(offboarding)
    if not path.is_file():
        raise NotFound()
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=offboarding.export_name,
        content_type="application/gzip",
    )
    response["X-Content-SHA256"] = offboarding.export_sha256
    response["Cache-Control"] = "private, no-store"
    return response


class TenantExportView(APIView):
    """The latest offboarding's full export (a tenant backup, gzipped tar), for partner
    admins; its SHA-256 in `X-Content-SHA256`."""

    @extend_schema(responses={(200, "application/gzip"): bytes})
    def get(self, request: Request, slug: str) -> FileResponse:
        return export_attachment(_latest(_client(request, slug)))
