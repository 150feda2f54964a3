from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
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

from .. import selectors
from ..models import PurchaseOrder, Requisition
from ..services import requisitions, sourcing
from ..services.orders import purchase_order_acknowledge
from .serializers import (
    PurchaseOrderSerializer,
    RequisitionInputSerializer,
    RequisitionSerializer,
    SourceInputSerializer,
    approval_body,
)

REQUISITION_FILTERS = Filters(
    QueryParam.choice("status", Requisition.Status.values),
    QueryParam("q", description="In the title or the number."),
)
ORDER_FILTERS = Filters(
    QueryParam("requisition", "uuid"),
    QueryParam.choice("status", PurchaseOrder.Status.values),
)


@REQUISITION_FILTERS.on("list")
class RequisitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RequisitionSerializer
    permission_classes = [
        Capability.of(read="accounts.view_reference_data", write="accounts.submit_requisition")
    ]

    queryset = Requisition.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[Requisition]:
        return selectors.requisition_search(
            selectors.requisitions_visible_to(current_user(self.request)),
            **REQUISITION_FILTERS.of(self),
        )

    def _with_approval(self, requisition: Requisition, code: int = 200) -> Response:
        requisition = self.get_queryset().get(pk=requisition.pk) if requisition.pk else requisition
        body = RequisitionSerializer(requisition).data
        body["approval"] = approval_body(
            selectors.requisition_route(requisition), requisition.policy_version
        )
        return Response(body, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._with_approval(self.get_object())

    @extend_schema(request=RequisitionInputSerializer, responses={201: RequisitionSerializer})
    def create(self, request: Request) -> Response:
        payload = RequisitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        requisition = requisitions.requisition_create(
            actor=current_user(request), data=payload.validated_data
        )
        return self._with_approval(requisition, status.HTTP_201_CREATED)

    @extend_schema(request=RequisitionInputSerializer, responses=RequisitionSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = RequisitionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        requisition = requisitions.requisition_update(
            actor=current_user(request), requisition_id=self._pk(pk), data=payload.validated_data
        )
        return self._with_approval(requisition)

    def _pk(self, pk: str) -> Any:
        requisition = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if requisition is None:
            raise NotFound()
        return requisition.pk

    @extend_schema(request=None, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        requisition = requisitions.requisition_submit(
            actor=current_user(request), requisition_id=self._pk(pk)
        )
        return self._with_approval(requisition)

    @extend_schema(request=None, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        requisition = requisitions.requisition_withdraw(
            actor=current_user(request), requisition_id=self._pk(pk)
        )
        return self._with_approval(requisition)

    @extend_schema(request=SourceInputSerializer, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def source(self, request: Request, pk: str) -> Response:
        """Buyers: choose the supplier of an approved requisition that named none. The order is
        issued (`status: ordered`), or, where that supplier changes the policy's route, the
        requisition goes back to `pending_approval` on the new route."""
        payload = SourceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        requisition = sourcing.requisition_source(
            actor=current_user(request),
            requisition_id=self._pk(pk),
            supplier_id=payload.validated_data["supplier"],
        )
        return self._with_approval(requisition)

    @extend_schema(request=None, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        requisition = requisitions.requisition_cancel(
            actor=current_user(request), requisition_id=self._pk(pk)
        )
        return self._with_approval(requisition)


@ORDER_FILTERS.on("list")
class PurchaseOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Internal users by role; a supplier user sees (and acknowledges) its own orders."""

    serializer_class = PurchaseOrderSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.view_reference_data", "accounts.use_supplier_portal"),
            write="accounts.use_supplier_portal",
        )
    ]

    queryset = PurchaseOrder.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet:
        orders = selectors.purchase_orders_visible_to(current_user(self.request))
        filters = ORDER_FILTERS.of(self)
        if filters["requisition"]:
            orders = orders.filter(requisition_id=filters["requisition"])
        if filters["status"]:
            orders = orders.filter(status=filters["status"])
        return orders

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        order = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if order is None:
            raise NotFound()
        purchase_order_acknowledge(actor=current_user(request), order_id=order.pk)
        return Response(PurchaseOrderSerializer(self.get_queryset().get(pk=order.pk)).data)
