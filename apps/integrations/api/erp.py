"""CONTRACT §3 `erp-connections/`, `service-accounts/`, `erp/events/` (inbound, signed, no
token), the inbound dead letters `erp-events/`, `erp-reconciliations/` and
`webhook-deliveries/{id}/`. Tenant admins manage; auditors read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.ids import parse_uuid
from apps.api.parsers import BoundedJSONParser
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import ApplicationError, NotFound
from apps.suppliers.api.views import portal_context
from apps.telemetry.metrics import count

from ..erp import inbound as erp_inbound
from ..models import (
    ErpConnection,
    InboundEvent,
    ReconciliationRun,
    ServiceAccount,
    WebhookDelivery,
)
from ..services import access, deliveries
from ..services import inbound as inbound_services
from .serializers import (
    DiscardInputSerializer,
    ErpConnectionInputSerializer,
    ErpConnectionSerializer,
    InboundEventSerializer,
    KeySerializer,
    ReconciliationRunSerializer,
    RotateInputSerializer,
    SecretSerializer,
    ServiceAccountInputSerializer,
    ServiceAccountSerializer,
    WebhookDeliverySerializer,
)
from .views import ADMIN_OR_AUDITOR, ManagedViewSet


def _actor(request: Request) -> User:
    return current_user(request)


class ErpConnectionViewSet(ManagedViewSet):
    serializer_class = ErpConnectionSerializer
    queryset = ErpConnection.objects.none()

    def get_queryset(self) -> QuerySet[ErpConnection]:
        return ErpConnection.objects.order_by("-created_at", "-pk")

    @extend_schema(request=ErpConnectionInputSerializer, responses={201: SecretSerializer})
    def create(self, request: Request) -> Response:
        payload = ErpConnectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        connection, secret = access.erp_connection_create(
            actor=_actor(request), data=dict(payload.validated_data)
        )
        body = {**ErpConnectionSerializer(connection).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        _connection, secret = access.erp_connection_rotate_secret(
            actor=_actor(request), connection_id=self._pk(pk)
        )
        return Response({"secret": secret})

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        access.erp_connection_delete(actor=_actor(request), connection_id=self._pk(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceAccountViewSet(ManagedViewSet):
    serializer_class = ServiceAccountSerializer
    queryset = ServiceAccount.objects.none()

    def get_queryset(self) -> QuerySet[ServiceAccount]:
        return ServiceAccount.objects.order_by("-created_at", "-pk")

    @extend_schema(request=ServiceAccountInputSerializer, responses={201: KeySerializer})
    def create(self, request: Request) -> Response:
        payload = ServiceAccountInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account, key = access.service_account_create(
            actor=_actor(request), data=dict(payload.validated_data)
        )
        return Response(
            {**ServiceAccountSerializer(account).data, "key": key}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=RotateInputSerializer, responses=KeySerializer)
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str) -> Response:
        """A new key; the old one keeps working for `overlap_hours` (default 24, 0 to stop it
        now)."""
        payload = RotateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account, key = access.service_account_rotate(
            actor=_actor(request),
            account_id=self._pk(pk),
            overlap_hours=payload.validated_data["overlap_hours"],
        )
        return Response({**ServiceAccountSerializer(account).data, "key": key})

    @extend_schema(request=None, responses=ServiceAccountSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        account = access.service_account_revoke(actor=_actor(request), account_id=self._pk(pk))
        return Response(ServiceAccountSerializer(account).data)


class ErpEventsView(APIView):
    """An ERP's signed event (no token: the signature is the credential). `200` applied (a
    replay answers the same and changes nothing), `202` kept as a dead letter with the reason,
    `401 invalid_signature`, `401 stale_timestamp`, `422 unknown_event_type`; a body that is
    not a JSON object `415 unsupported_media_type` or `400 parse_error` (too deep, a NUL)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        request=dict, responses={200: InboundEventSerializer, 202: InboundEventSerializer}
    )
    def post(self, request: Request) -> Response:
        if request.content_type != "application/json":
            # before the body is read: a form body was already parsed, and the signature
            # covers the raw bytes
            raise UnsupportedMediaType(request.content_type)
        body = request.body
        try:
            connection, message_id = erp_inbound.verified_connection(request.headers, body)
            kind, data = erp_inbound.parsed(request.data)  # the bounded parser: depth, NUL
        except ApplicationError:
            count("erp_inbound_event", result="refused")
            raise
        outcome = erp_inbound.receive(connection, message_id, kind, data, portal_context(request))
        event = outcome.event
        code = 200 if event.status == InboundEvent.Status.APPLIED else 202
        return Response(
            {**InboundEventSerializer(event).data, "replay": outcome.replay}, status=code
        )


EVENT_FILTERS = Filters(QueryParam.choice("status", InboundEvent.Status.values))


class InboundEventViewSet(ManagedViewSet):
    """What ERPs sent; `?status=failed` is the inbound dead-letter list."""

    serializer_class = InboundEventSerializer
    queryset = InboundEvent.objects.none()

    def get_queryset(self) -> QuerySet[InboundEvent]:
        found = InboundEvent.objects.order_by("-received_at", "-pk")
        wanted = EVENT_FILTERS.of(self)["status"]
        return found.filter(status=wanted) if wanted else found

    @extend_schema(
        parameters=EVENT_FILTERS.parameters(), responses=InboundEventSerializer(many=True)
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=InboundEventSerializer)
    @action(detail=True, methods=["post"])
    def reapply(self, request: Request, pk: str) -> Response:
        event = inbound_services.inbound_event_reapply(
            actor=_actor(request), event_id=self._pk(pk), portal=portal_context(request)
        )
        return Response(InboundEventSerializer(event).data)

    @extend_schema(request=DiscardInputSerializer, responses=InboundEventSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str) -> Response:
        payload = DiscardInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = inbound_services.inbound_event_discard(
            actor=_actor(request), event_id=self._pk(pk), reason=payload.validated_data["reason"]
        )
        return Response(InboundEventSerializer(event).data)


class ReconciliationRunViewSet(ManagedViewSet):
    """The daily reconciliation's reports; `POST` runs one now."""

    serializer_class = ReconciliationRunSerializer
    queryset = ReconciliationRun.objects.none()

    def get_queryset(self) -> QuerySet[ReconciliationRun]:
        return ReconciliationRun.objects.order_by("-started_at", "-pk")

    @extend_schema(request=None, responses={201: ReconciliationRunSerializer})
    def create(self, request: Request) -> Response:
        run = inbound_services.erp_reconcile_now(actor=_actor(request))
        return Response(ReconciliationRunSerializer(run).data, status=status.HTTP_201_CREATED)


class WebhookDeliveryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`webhook-deliveries/{id}/`: one delivery with every attempt; `retry/` sends it again."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [ADMIN_OR_AUDITOR]
    lookup_value_regex = ManagedViewSet.lookup_value_regex
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.select_related("event").prefetch_related("attempt_log")

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        if not parse_uuid(pk) or not WebhookDelivery.objects.filter(pk=pk).exists():
            raise NotFound()
        delivery = deliveries.delivery_retry(actor=_actor(request), delivery_id=pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
