"""`contracts/` (buyers and tenant admins; auditors read) and `catalog-items/` (everyone who
may requisition reads the catalog; buyers and tenant admins write and import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.pagination import Pagination
from apps.api.params import query_date
from apps.api.permissions import Capability
from apps.controls.refusals import NotFound, ValidationFailed

from .. import selectors
from ..models import CatalogItem, Contract
from ..services import catalog, register
from .serializers import (
    CatalogItemInputSerializer,
    CatalogItemSerializer,
    ContractDetailSerializer,
    ContractInputSerializer,
    ContractReasonSerializer,
    ContractSerializer,
    FileSerializer,
)

READ = ("accounts.manage_contracts", "accounts.view_audit", "accounts.manage_purchase_orders")
WRITE = "accounts.manage_contracts"


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=Contract.Status.values),
        OpenApiParameter("q", str),
        OpenApiParameter("supplier", str),
    ]
)
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer
    pagination_class = Pagination
    permission_classes = [Capability.of(read=READ, write=WRITE)]
    parser_classes = [JSONParser, MultiPartParser]
    queryset = Contract.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[Contract]:
        params = self.request.query_params
        supplier = params.get("supplier")
        if supplier and not parse_uuid(supplier):
            raise ValidationFailed(errors={"supplier": ["Use a supplier id."]})
        return selectors.contract_search(
            selectors.contracts_visible_to(current_user(self.request)),
            status=params.get("status"),
            q=params.get("q"),
            supplier=supplier,
        )

    def _pk(self, pk: str) -> Any:
        contract = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if contract is None:
            raise NotFound()
        return contract.pk

    def _detail(self, contract_id: Any, code: int = 200) -> Response:
        contract = (
            selectors.contracts_visible_to(current_user(self.request))
            .prefetch_related("amendments")
            .get(pk=contract_id)
        )
        return Response(ContractDetailSerializer(contract).data, status=code)

    @extend_schema(responses=ContractDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._pk(kwargs["pk"]))

    @extend_schema(request=ContractInputSerializer, responses={201: ContractDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = ContractInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contract = register.contract_create(
            actor=current_user(request), data=payload.validated_data
        )
        return self._detail(contract.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ContractInputSerializer, responses=ContractDetailSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = ContractInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason", "")
        contract = register.contract_amend(
            actor=current_user(request), contract_id=self._pk(pk), data=data, reason=reason
        )
        return self._detail(contract.pk)

    @extend_schema(request=None, responses=ContractDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        """Active at once, or `pending_approval` above the policy's contract_approval_above."""
        contract = register.contract_activate(actor=current_user(request), contract_id=self._pk(pk))
        return self._detail(contract.pk)

    @extend_schema(request=ContractReasonSerializer, responses=ContractDetailSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str) -> Response:
        payload = ContractReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contract = register.contract_terminate(
            actor=current_user(request),
            contract_id=self._pk(pk),
            reason=payload.validated_data["reason"],
        )
        return self._detail(contract.pk)

    @extend_schema(
        request={"multipart/form-data": FileSerializer}, responses=ContractDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def document(self, request: Request, pk: str) -> Response:
        """The signed contract: PDF, PNG or JPEG, checked by content."""
        contract = register.contract_document_upload(
            actor=current_user(request), contract_id=self._pk(pk), upload=request.FILES.get("file")
        )
        return self._detail(contract.pk)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="default: a year before to"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="default: today"),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def spend(self, request: Request) -> Response:
        """Ordered spend on and off contract by category and supplier, and maverick spend (off
        contract although a contract covered it), in each legal entity's currency."""
        until = query_date(request.query_params, "to") or timezone.localdate()
        since = query_date(request.query_params, "from") or until - timedelta(days=365)
        figures = selectors.spend_figures(since=since, until=until, actor=request.user)
        return Response({"period": {"from": since, "to": until}, **figures})


@extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("contract", str)])
class CatalogItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CatalogItemSerializer
    pagination_class = Pagination
    permission_classes = [Capability.of(read=("accounts.submit_requisition", *READ), write=WRITE)]
    parser_classes = [JSONParser, MultiPartParser]
    queryset = CatalogItem.objects.none()

    def get_queryset(self) -> QuerySet[CatalogItem]:
        contract = self.request.query_params.get("contract")
        if contract and not parse_uuid(contract):
            raise ValidationFailed(errors={"contract": ["Use a contract id."]})
        return selectors.catalog_items(
            q=self.request.query_params.get("q"),
            on=timezone.localdate(),
            contract=contract,
            actor=self.request.user,
        )

    @extend_schema(request=CatalogItemInputSerializer, responses={201: CatalogItemSerializer})
    def create(self, request: Request) -> Response:
        payload = CatalogItemInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = catalog.catalog_item_create(actor=current_user(request), data=payload.validated_data)
        return Response(CatalogItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": FileSerializer}, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        """CSV with the columns contract, sku, description, unit, unit_price, currency,
        spend_category[, valid_until]. A bad cell refuses the whole file (400, `errors` keyed
        "row N, column"); nothing is created."""
        counts = catalog.catalog_import(
            actor=current_user(request), upload=request.FILES.get("file")
        )
        return Response(counts)
