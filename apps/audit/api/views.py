from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam

from ..selectors import audit_chain_verify, audit_events
from ..services import audit_chain_link
from .serializers import AuditEventSerializer, ChainVerificationSerializer

FILTERS = Filters(QueryParam("subject_type"), QueryParam("subject_id"))


@FILTERS.on("list")
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [Capability.of(read="accounts.view_audit")]

    def get_queryset(self) -> QuerySet:
        return audit_events(**FILTERS.of(self))

    @extend_schema(responses=ChainVerificationSerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request: Request) -> Response:
        audit_chain_link(wait=True)  # what is committed now, linked before it is verified
        result = audit_chain_verify()
        first_bad = None if result.first_bad is None else str(result.first_bad)
        return Response({"valid": result.valid, "count": result.count, "first_bad": first_bad})
