"""`insights/process/`: the process map of requisitions or invoices for a period
(apps.insights.process), for people holding `view_insights`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.permissions import Capability

from ..process import READERS, process_map, process_period
from ..process_views import PERIOD_FILTERS


class ActivitySerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The audit action (or the map's reading of it).")
    count = serializers.IntegerField(help_text="Events of this activity.")
    cases = serializers.IntegerField(help_text="Cases with this activity.")
    position = serializers.FloatField(help_text="Its mean place in a case (1 = first).")

    def get_fields(self) -> dict[str, serializers.Field]:
        # `label` is also an attribute of every DRF field: declared here, not on the class
        return {**super().get_fields(), "label": serializers.CharField()}


class EdgeSerializer(serializers.Serializer):
    # `from` is a Python keyword: the fields are named in the schema as the API sends them
    count = serializers.IntegerField()
    hours_p50 = serializers.FloatField(help_text="Median hours from one to the next.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.CharField()
        fields["to"] = serializers.CharField()
        return fields


class VariantSerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of the period's cases, 0 to 1.")


class CountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class SkippedStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    count = serializers.IntegerField(help_text="Cases that went past it without it.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "label": serializers.CharField()}


class ConformanceSerializer(serializers.Serializer):
    skipped_steps = SkippedStepSerializer(many=True)
    rework = serializers.IntegerField(help_text="Cases in which a once-only activity repeats.")
    rework_by_activity = CountSerializer(many=True)
    approvals_after_po = serializers.IntegerField()


class PeriodSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateField(), "to": serializers.DateField()}


class ProcessMapSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["invoice", "requisition"])
    period = PeriodSerializer(help_text="Its first and last day, both included.")
    cases = serializers.IntegerField()
    activities = ActivitySerializer(many=True)
    edges = EdgeSerializer(many=True)
    variants = VariantSerializer(many=True, help_text="The ten most frequent paths.")
    variants_distinct = serializers.IntegerField()
    conformance = ConformanceSerializer()


class ProcessMapView(APIView):
    """The path the period's cases really took, from the audit trail: activities,
    transitions with counts and median hours, the top variants and conformance."""

    permission_classes = [Capability.of(read=READERS)]

    @extend_schema(
        operation_id="insights_process_retrieve",
        parameters=PERIOD_FILTERS.parameters(),
        responses=ProcessMapSerializer,
    )
    def get(self, request: Request) -> Response:
        values = PERIOD_FILTERS.read(request.query_params)
        period = process_period(values["from"], values["to"])
        return Response(
            process_map(
                actor=current_user(request), kind=values["kind"] or "requisition", period=period
            )
        )
