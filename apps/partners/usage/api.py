"""The partner's usage API (public host): `partner/usage/?month=YYYY-MM` (JSON, or
`format=csv` for billing), and each own client's plan limits,
`partner/tenants/{slug}/plan/` (GET; PUT by billing and partner admins)."""

from __future__ import annotations

import io
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.parsers import BoundedJSONParser
from apps.api.query import Filters, QueryParam
from apps.controls.csvfiles import CsvWriter
from apps.controls.refusals import NotFound
from apps.tenancy.models import Client, ClientPlan
from apps.tenancy.plans import PLAN_METRICS, limits_of
from apps.tenancy.services import client_plan_set, partner_of

from .figures import MONTH_PATTERN, month_asked, partner_usage, usage_rows

USAGE_QUERY = Filters(
    QueryParam("month", description="The month, YYYY-MM (default: this month)."),
    QueryParam.choice("format", ("json", "csv")),
)
# the month as the schema states it (the query reads it as text and month_asked checks it)
MONTH_PARAMETER = OpenApiParameter(
    "month",
    {"type": "string", "pattern": MONTH_PATTERN},
    OpenApiParameter.QUERY,
    description="The month, YYYY-MM (default: this month).",
)
PLAN_FIELDS = [f"{metric}_{edge}" for metric in PLAN_METRICS for edge in ("soft", "hard")]


class UsageCsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        out = io.StringIO()
        if isinstance(data, dict) and "code" in data:  # a refusal: the usual error body
            out.write(f"{data['code']}: {data.get('detail', '')}\n")
            return out.getvalue().encode()
        if isinstance(data, dict) and "tenants" in data:  # not, e.g., an OPTIONS answer
            CsvWriter(out).writerows(usage_rows(data))
        return out.getvalue().encode()


class UsageView(APIView):
    """Each own client tenant's month: active users, requisitions, purchase orders, invoices by
    channel, e-mails received, storage, and where it stands against its plan."""

    renderer_classes = [JSONRenderer, UsageCsvRenderer]

    @extend_schema(
        parameters=[MONTH_PARAMETER, *USAGE_QUERY.parameters()[1:]],
        responses={(200, "application/json"): dict, (200, "text/csv"): str},
    )
    def get(self, request: Request) -> Response:
        partner = partner_of(request.user, "view_usage")
        USAGE_QUERY.read(request.query_params)  # each once, the format one of two
        # as sent: an empty month is refused, not taken for this month
        usage = partner_usage(partner, month_asked(request.query_params.get("month")))
        response = Response(usage)
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="usage-{usage["month"]}.csv"'
        return response


def _client(request: Request, slug: str, capability: str) -> Client:
    partner = partner_of(request.user, capability)
    client = Client.objects.filter(partner=partner, slug=slug).first()
    if client is None:
        raise NotFound()
    return client


def plan_shown(plan: ClientPlan | None) -> dict[str, Any]:
    limits = limits_of(plan)
    return {f"{m}_{edge}": limits[m][edge] for m in PLAN_METRICS for edge in ("soft", "hard")}


class PlanSerializer(serializers.Serializer):
    """The plan's limits, each a whole number or null for no limit; one left out keeps its
    value (other keys are ignored, as everywhere in the API)."""

    active_users_soft = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    active_users_hard = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    invoices_soft = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    invoices_hard = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    requisitions_soft = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    requisitions_hard = serializers.IntegerField(min_value=0, allow_null=True, required=False)


class PlanView(APIView):
    """A client's plan limits (empty: no limit): soft warns the tenant admin, hard refuses."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(responses=PlanSerializer)
    def get(self, request: Request, slug: str) -> Response:
        client = _client(request, slug, "view_usage")
        return Response(plan_shown(ClientPlan.objects.filter(client=client).first()))

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def put(self, request: Request, slug: str) -> Response:
        client = _client(request, slug, "manage_plans")
        payload = PlanSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = client_plan_set(actor=request.user, client=client, limits=payload.validated_data)
        return Response(plan_shown(plan))
