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
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound

from .. import selectors, services
from ..client_days import SORTS, partner_figures, partner_period
from ..models import Client
from .serializers import (
    BRANDING_PATCH_BODY,
    BrandingSerializer,
    PartnerInsightsSerializer,
    TenantCreateSerializer,
    TenantReactivateSerializer,
    TenantSerializer,
    TenantSuspendSerializer,
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
        return selectors.partner_clients(services.partner_of(self.request.user, "view_console"))

    @extend_schema(request=TenantCreateSerializer, responses={201: TenantSerializer})
    def post(self, request: Request) -> Response:
        services.partner_of(request.user, "manage_tenants")  # the role first, then the body
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


def _client(request: Request, slug: str, capability: str = "view_console") -> Client:
    partner = services.partner_of(request.user, capability)
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
        client = _client(request, slug, "manage_tenants")
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
    """Suspend (the tenant's name typed back and a reason) or reactivate (a reason)."""

    target_status = ""

    def _body(self) -> type[TenantReactivateSerializer]:
        if self.target_status == Client.Status.SUSPENDED:
            return TenantSuspendSerializer
        return TenantReactivateSerializer

    def get_serializer_class(self) -> type[TenantReactivateSerializer]:
        return self._body()  # for the schema

    @extend_schema(responses=TenantSerializer)
    def post(self, request: Request, slug: str) -> Response:
        client = _client(request, slug, "manage_tenants")
        payload = self._body()(data=request.data)
        payload.is_valid(raise_exception=True)
        client = services.tenant_set_status(
            actor=request.user,
            client=client,
            status=self.target_status,
            reason=payload.validated_data["reason"],
            confirm_name=payload.validated_data.get("confirm_name", ""),
        )
        return Response(TenantSerializer(client).data)


SORT_VALUES = (*SORTS, *(f"-{column}" for column in SORTS))
INSIGHTS_QUERY = Filters(
    QueryParam("from", "date", description="First day (default: 29 days before `to`)."),
    QueryParam("to", "date", description="Last day (default: today)."),
    QueryParam.choice("sort", SORT_VALUES, description="A column; `-column` sorts descending."),
)


class PartnerInsightsView(APIView):
    """Each own client tenant's figures over the period, from the days rolled up hourly into
    the public schema (counts and rates only), and the partner's benchmark: the median of its
    clients."""

    @extend_schema(parameters=INSIGHTS_QUERY.parameters(), responses=PartnerInsightsSerializer)
    def get(self, request: Request) -> Response:
        partner = services.partner_of(request.user, "view_console")
        asked = INSIGHTS_QUERY.read(request.query_params)
        period = partner_period(asked["from"], asked["to"])
        figures = partner_figures(partner, first=period.first, last=period.last, sort=asked["sort"])
        return Response(PartnerInsightsSerializer(figures).data)
