from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.parsers import BoundedJSONParser
from apps.controls.refusals import NotFound

from .. import selectors, services
from ..models import Client
from .serializers import (
    BRANDING_PATCH_BODY,
    BrandingSerializer,
    TenantCreateSerializer,
    TenantSerializer,
)


def _brand_from(data: dict[str, Any]) -> dict[str, Any]:
    brand = dict(data)
    if "logo" in brand:
        brand["logo"] = brand["logo"].read()
    return brand


class TenantListCreateView(ListAPIView):
    """A partner's client tenants; POST provisions a new one (schema cloned from the template)."""

    serializer_class = TenantSerializer
    # JSON only: `branding` is an object, which a form cannot carry
    parser_classes = [BoundedJSONParser]

    def get_queryset(self) -> Any:
        return selectors.partner_clients(services.partner_of(self.request.user))

    @extend_schema(request=TenantCreateSerializer, responses={201: TenantSerializer})
    def post(self, request: Request) -> Response:
        payload = TenantCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        client = services.tenant_provision(
            actor=request.user,
            slug=data["slug"],
            name=data["name"],
            domain=data["domain"],
            brand=_brand_from(data.get("branding") or {}),
            default_language=data["default_language"],
            admin_email=data.get("admin_email"),
            base_url=f"{request.scheme}://{data['domain']}:{request.get_port()}",
        )
        return Response(TenantSerializer(client).data, status=status.HTTP_201_CREATED)


def _client(request: Request, slug: str) -> Client:
    partner = services.partner_of(request.user)
    client = selectors.partner_clients(partner).filter(slug=slug).first()
    if client is None:
        raise NotFound()
    return client


class TenantDetailView(APIView):
    @extend_schema(responses=TenantSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(TenantSerializer(_client(request, slug)).data)


class TenantBrandingView(APIView):
    @extend_schema(request=BRANDING_PATCH_BODY, responses=TenantSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        client = _client(request, slug)
        if request.content_type.startswith("multipart/"):
            texts = sorted(set(request.data) - {"logo"})
            if texts:
                raise ValidationError({k: [_("Send the texts as JSON.")] for k in texts})
        payload = BrandingSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        client = services.tenant_update_branding(
            actor=request.user, client=client, changes=_brand_from(payload.validated_data)
        )
        return Response(TenantSerializer(client).data)


class TenantStatusView(APIView):
    target_status = ""

    @extend_schema(request=None, responses=TenantSerializer)
    def post(self, request: Request, slug: str) -> Response:
        client = services.tenant_set_status(
            actor=request.user, client=_client(request, slug), status=self.target_status
        )
        return Response(TenantSerializer(client).data)
