from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.permissions import Capability

from ..selectors import audit_chain_verify, audit_events
from .serializers import AuditEventSerializer, ChainVerificationSerializer


@extend_schema(
    parameters=[OpenApiParameter("subject_type", str), OpenApiParameter("subject_id", str)]
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [Capability.of(read="accounts.view_audit")]

    def get_queryset(self) -> QuerySet:
        return audit_events(
            subject_type=self.request.query_params.get("subject_type"),
            subject_id=self.request.query_params.get("subject_id"),
        )

    @extend_schema(responses=ChainVerificationSerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request: Request) -> Response:
        result = audit_chain_verify()
        first_bad = None if result.first_bad is None else str(result.first_bad)
        return Response({"valid": result.valid, "count": result.count, "first_bad": first_bad})
