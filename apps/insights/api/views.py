"""`GET /api/v1/insights/`: the period's figures (CONTRACT §3a, docs/insights.md)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam

from ..figures import insights_figures
from ..period import reader_period

READERS: tuple[str, ...] = (
    *("accounts.view_insights", "accounts.process_invoices", "accounts.approve"),
    *("accounts.manage_purchase_orders", "accounts.manage_suppliers"),
)

FILTERS = Filters(
    QueryParam("from", "date", description="First day of the period (the tenant's time zone)."),
    QueryParam("to", "date", description="Last day of the period, included (default: today)."),
    QueryParam("legal_entity", description="A legal entity's code: its orders' figures only."),
)


class InsightsView(APIView):
    permission_classes = [Capability.of(read=READERS)]

    @extend_schema(
        operation_id="insights_retrieve",
        parameters=FILTERS.parameters(),
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Figures by section (null: a section of others' work, listed in"
                " `withheld`); `why_null` gives each null figure's reason.",
            )
        },
    )
    def get(self, request: Request) -> Response:
        query = FILTERS.read(request.query_params)
        user = current_user(request)
        period = reader_period(user, query["from"], query["to"], query["legal_entity"])
        return Response(insights_figures(user, period, query["legal_entity"]))
