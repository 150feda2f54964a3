"""Webhook endpoints over the API (tenant admins): CONTRACT §3 `webhook-endpoints/`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound

from ..models import WebhookDelivery, WebhookEndpoint
from ..services import deliveries, endpoints
from .serializers import (
    RecoveredSerializer,
    RecoverInputSerializer,
    SecretSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)

ADMIN_OR_AUDITOR = Capability.of(
    read=("accounts.manage_webhooks", "accounts.view_audit"), write="accounts.manage_webhooks"
)


DELIVERY_FILTERS = Filters(QueryParam.choice("status", WebhookDelivery.Status.values))


class ManagedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What tenant admins manage and auditors read (endpoints, ERP connections, service
    accounts, …): listed and read by id; `_pk` answers 404 for an id not among them."""

    permission_classes = [ADMIN_OR_AUDITOR]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def _pk(self, pk: str) -> Any:
        if not parse_uuid(pk) or not self.get_queryset().filter(pk=pk).exists():
            raise NotFound()
        return pk


class WebhookEndpointViewSet(ManagedViewSet):
    """Tenant admins manage endpoints; auditors read where the tenant's events go (never a
    secret: it is shown once, to the admin who made or rotated it)."""

    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.order_by("-created_at", "-pk")

    @extend_schema(
        request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointCreatedSerializer}
    )
    def create(self, request: Request) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint, secret = endpoints.endpoint_create(
            actor=current_user(request), data=dict(payload.validated_data)
        )
        body = {**WebhookEndpointSerializer(endpoint).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = endpoints.endpoint_update(
            actor=current_user(request),
            endpoint_id=self._pk(pk),
            data=dict(payload.validated_data),
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        endpoints.endpoint_delete(actor=current_user(request), endpoint_id=self._pk(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        _endpoint, secret = endpoints.endpoint_rotate_secret(
            actor=current_user(request), endpoint_id=self._pk(pk)
        )
        return Response({"secret": secret})

    @extend_schema(
        parameters=DELIVERY_FILTERS.parameters(),
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        """The endpoint's deliveries, newest first, each with its attempts."""
        found = (
            WebhookDelivery.objects.filter(endpoint_id=self._pk(pk))
            .select_related("event")
            .prefetch_related(Prefetch("attempt_log"))
            .order_by("-created_at", "-pk")
        )
        wanted = DELIVERY_FILTERS.read(request.query_params)["status"]
        if wanted:
            found = found.filter(status=wanted)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Send this endpoint a `webhook.test` event (in the background)."""
        delivery = deliveries.endpoint_test(actor=current_user(request), endpoint_id=self._pk(pk))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RecoverInputSerializer, responses={202: RecoveredSerializer})
    @action(detail=True, methods=["post"])
    def recover(self, request: Request, pk: str) -> Response:
        """Send again every failed or dead delivery made since `since` (until `until`)."""
        payload = RecoverInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = deliveries.endpoint_recover(
            actor=current_user(request),
            endpoint_id=self._pk(pk),
            since=payload.validated_data["since"],
            until=payload.validated_data.get("until"),
        )
        return Response({"deliveries": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9a-fA-F-]{36})/retry",
    )
    def retry(self, request: Request, pk: str, delivery_id: str) -> Response:
        """Send one failed or dead delivery again now."""
        endpoint_id = self._pk(pk)
        if not WebhookDelivery.objects.filter(pk=delivery_id, endpoint_id=endpoint_id).exists():
            raise NotFound()
        delivery = deliveries.delivery_retry(actor=current_user(request), delivery_id=delivery_id)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
