"""Business alerts over the API (tenant admins): CONTRACT §3 `alerts/`, newest first,
filtered by `status`."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam

from ..models import Alert
from .serializers import AlertSerializer

ALERT_FILTERS = Filters(
    QueryParam.choice("status", Alert.Status.values, "open: the condition still holds"),
)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tenant's alerts, each with the page where it is acted on: tenant admins, and
    auditors, who read every list."""

    serializer_class = AlertSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.manage_settings", "accounts.view_audit"),
            write="accounts.manage_settings",
        )
    ]
    queryset = Alert.objects.none()  # the model, for the OpenAPI schema
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self) -> QuerySet[Alert]:
        return Alert.objects.order_by("-raised_at", "-pk")

    @extend_schema(parameters=ALERT_FILTERS.parameters())
    def list(self, request: Request) -> Response:
        found = self.get_queryset()
        wanted = ALERT_FILTERS.read(request.query_params)["status"]
        if wanted:
            found = found.filter(status=wanted)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
