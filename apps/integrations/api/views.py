"""Webhook endpoints over the API (tenant admins): CONTRACT §3 `webhook-endpoints/`."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.api.ids import parse_uuid
from apps.api.permissions import Capability
from apps.controls.refusals import NotFound

from ..models import WebhookEndpoint
from ..services import endpoints
from .serializers import (
    SecretSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Tenant admins manage endpoints; auditors read where the tenant's events go (never a
    secret: it is shown once, to the admin who made or rotated it)."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.manage_webhooks", "accounts.view_audit"),
            write="accounts.manage_webhooks",
        )
    ]
    queryset = WebhookEndpoint.objects.none()  # the model, for the OpenAPI schema
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.order_by("-created_at", "-pk")

    def _pk(self, pk: str) -> Any:
        if not parse_uuid(pk) or not self.get_queryset().filter(pk=pk).exists():
            raise NotFound()
        return pk

    @extend_schema(
        request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointCreatedSerializer}
    )
    def create(self, request: Request) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint, secret = endpoints.endpoint_create(
            actor=cast(User, request.user), data=dict(payload.validated_data)
        )
        body = {**WebhookEndpointSerializer(endpoint).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = endpoints.endpoint_update(
            actor=cast(User, request.user),
            endpoint_id=self._pk(pk),
            data=dict(payload.validated_data),
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        endpoints.endpoint_delete(actor=cast(User, request.user), endpoint_id=self._pk(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        _endpoint, secret = endpoints.endpoint_rotate_secret(
            actor=cast(User, request.user), endpoint_id=self._pk(pk)
        )
        return Response({"secret": secret})
