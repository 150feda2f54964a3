"""`privacy/erasure-requests/`: compliance asks for and executes a person's erasure."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.pagination import Pagination
from apps.api.permissions import Capability
from apps.controls.refusals import NotFound

from ..models import ErasureRequest
from ..selectors import erasure_requests
from ..services import ERASE, erasure_execute, erasure_request_create
from .serializers import ErasureRequestInputSerializer, ErasureRequestSerializer


class ErasureRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ErasureRequestSerializer
    pagination_class = Pagination
    # auditors read the requests and what became of them (evidence); only compliance erases
    permission_classes = [Capability.of(read=(ERASE, "accounts.view_audit"), write=ERASE)]
    queryset = ErasureRequest.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[ErasureRequest]:
        return erasure_requests()

    @extend_schema(request=ErasureRequestInputSerializer, responses={201: ErasureRequestSerializer})
    def create(self, request: Request) -> Response:
        """`{"subject_user": id}` or `{"contact": id}`; `"execute": true` erases at once."""
        payload = ErasureRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        kind = "user" if "subject_user" in data else "contact"
        actor = current_user(request)
        made = erasure_request_create(
            actor=actor, kind=kind, subject_id=data.get("subject_user") or data.get("contact")
        )
        if data["execute"]:
            made = erasure_execute(actor=actor, request_id=made.pk)
        return Response(ErasureRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ErasureRequestSerializer)
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str) -> Response:
        if not pk.isdigit():
            raise NotFound()
        done = erasure_execute(actor=current_user(request), request_id=int(pk))
        return Response(ErasureRequestSerializer(done).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = str(kwargs["pk"])
        found = self.get_queryset().filter(pk=pk).first() if pk.isdigit() else None
        if found is None:
            raise NotFound()
        return Response(ErasureRequestSerializer(found).data)
