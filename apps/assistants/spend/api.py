"""`POST /api/v1/requisitions/suggest/` (CONTRACT §3): the spend coding of a requisition's
words, advice only; `POST /api/v1/requisitions/suggest/retrain/`: a tenant admin asks for the
tenant's model to be retrained. Routed before the requisitions' `{id}/` routes."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.permissions import Capability

from .services import RETRAINERS, spend_model_retrain, spend_suggest


class SuggestLineSerializer(serializers.Serializer[dict[str, Any]]):
    description = serializers.CharField(max_length=300, allow_blank=True)


class SuggestSerializer(serializers.Serializer[dict[str, Any]]):
    title = serializers.CharField(max_length=200)
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    lines = SuggestLineSerializer(many=True, required=False, default=list)


def _coded(name: str) -> Any:
    return inline_serializer(
        name,
        {"code": serializers.CharField(), "confidence": serializers.FloatField()},
        allow_null=True,
    )


SUGGESTION = inline_serializer(
    "SpendSuggestion",
    {
        "spend_category": _coded("SuggestedCategory"),
        "cost_center": _coded("SuggestedCostCenter"),
        "supplier": inline_serializer(
            "SuggestedSupplier",
            {
                "id": serializers.UUIDField(),
                "name": serializers.CharField(),
                "confidence": serializers.FloatField(),
            },
            allow_null=True,
        ),
        "model": serializers.CharField(),
        "reasons": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField())
        ),
        "preselect": serializers.DictField(child=serializers.BooleanField()),
        "threshold": serializers.FloatField(),
        "advice_id": serializers.UUIDField(),
    },
)


class SpendSuggestView(APIView):
    """Whoever may create requisitions may ask; every answer is stored as advice."""

    permission_classes = [Capability.of(write="accounts.submit_requisition")]

    @extend_schema(
        operation_id="requisitions_suggest",
        request=SuggestSerializer,
        responses={200: SUGGESTION},
        description="Suggested spend category, cost center and supplier (selectable ones "
        "only) with their confidence and the words behind them. Advice only: nothing is "
        "created; `preselect` says which a form may fill in under the policy's threshold. "
        "A tenant whose policy switches spend coding off gets 404 `assistant_off`.",
    )
    def post(self, request: Request) -> Response:
        body = SuggestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        out, _advice = spend_suggest(
            viewer=current_user(request),
            title=data["title"],
            justification=data["justification"],
            lines=[line["description"] for line in data["lines"]],
        )
        return Response(out)


class SpendRetrainView(APIView):
    permission_classes = [Capability.of(write=RETRAINERS)]

    @extend_schema(
        operation_id="requisitions_suggest_retrain",
        request=None,
        responses={202: inline_serializer("SpendRetrain", {"status": serializers.CharField()})},
        description="Tenant admins: retrain the tenant's spend-coding model now (in a "
        "worker; the nightly job does it anyway).",
    )
    def post(self, request: Request) -> Response:
        spend_model_retrain(actor=current_user(request))
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("requisitions/suggest/", SpendSuggestView.as_view(), name="requisition-suggest"),
    path(
        "requisitions/suggest/retrain/",
        SpendRetrainView.as_view(),
        name="requisition-suggest-retrain",
    ),
]
