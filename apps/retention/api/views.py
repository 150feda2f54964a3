"""`legal-holds/` (CONTRACT §3): compliance places and releases holds; auditors read them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.fields import Text
from apps.api.pagination import Pagination
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound

from .. import selectors
from ..models import LegalHold
from ..roles import MANAGE_LEGAL_HOLDS
from ..services.holds import legal_hold_place, legal_hold_release

READ = (MANAGE_LEGAL_HOLDS, "accounts.view_audit")


class LegalHoldInputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=LegalHold.Scope.values)
    reason = Text(max_length=500)
    supplier = serializers.UUIDField(required=False, help_text="scope `supplier`")
    invoice = serializers.UUIDField(required=False, help_text="scope `invoice`")
    period_from = serializers.DateField(required=False, help_text="scope `period`: first day")
    period_to = serializers.DateField(required=False, help_text="scope `period`: last day")
    legal_entity = Text(
        required=False, max_length=20, help_text="scope `period`: one legal entity's code only"
    )


class LegalHoldReleaseSerializer(serializers.Serializer):
    reason = Text(required=False, allow_blank=True, max_length=500)


class LegalHoldSerializer(serializers.ModelSerializer):
    supplier = serializers.UUIDField(source="supplier_id", allow_null=True)
    invoice = serializers.UUIDField(source="invoice_id", allow_null=True)
    legal_entity = serializers.CharField(source="legal_entity.code", allow_null=True)
    placed_by = serializers.CharField(source="placed_by.email", allow_null=True)
    released_by = serializers.CharField(source="released_by.email", allow_null=True)

    class Meta:
        model = LegalHold
        fields = [
            "id", "scope", "status", "supplier", "invoice", "period_from", "period_to",
            "legal_entity", "subject_label", "reason", "placed_by", "placed_at", "released_by",
            "released_at", "release_reason",
        ]  # fmt: skip


HOLD_FILTERS = Filters(
    QueryParam.choice("status", LegalHold.Status.values),
    QueryParam.choice("scope", LegalHold.Scope.values),
)


@HOLD_FILTERS.on("list")
class LegalHoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LegalHoldSerializer
    pagination_class = Pagination
    permission_classes = [Capability.of(read=READ, write=MANAGE_LEGAL_HOLDS)]
    queryset = LegalHold.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[LegalHold]:
        holds = selectors.legal_holds()
        wanted = HOLD_FILTERS.of(self)
        if wanted.get("status"):
            holds = holds.filter(status=wanted["status"])
        if wanted.get("scope"):
            holds = holds.filter(scope=wanted["scope"])
        return holds

    def _hold(self, pk: Any) -> LegalHold:
        hold = selectors.legal_holds().filter(pk=pk).first() if str(pk).isdigit() else None
        if hold is None:
            raise NotFound()
        return hold

    @extend_schema(responses=LegalHoldSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(LegalHoldSerializer(self._hold(kwargs["pk"])).data)

    @extend_schema(request=LegalHoldInputSerializer, responses={201: LegalHoldSerializer})
    def create(self, request: Request) -> Response:
        payload = LegalHoldInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        hold = legal_hold_place(
            actor=current_user(request),
            scope=data["scope"],
            reason=data["reason"],
            supplier=str(data["supplier"]) if data.get("supplier") else None,
            invoice=str(data["invoice"]) if data.get("invoice") else None,
            period_from=data.get("period_from"),
            period_to=data.get("period_to"),
            legal_entity=data.get("legal_entity"),
        )
        return Response(
            LegalHoldSerializer(self._hold(hold.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=LegalHoldReleaseSerializer, responses=LegalHoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        """End the hold: what it kept is purged by the next run once its period has passed."""
        payload = LegalHoldReleaseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        hold = legal_hold_release(
            actor=current_user(request),
            hold_id=self._hold(pk).pk,
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(LegalHoldSerializer(self._hold(hold.pk)).data)
