"""`contracts/` (buyers and tenant admins; auditors read) and `catalog-items/` (everyone who
may requisition reads the catalog; buyers and tenant admins write and import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.pagination import Pagination
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound

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


CONTRACT_FILTERS = Filters(
    QueryParam.choice("status", Contract.Status.values),
    QueryParam("q", description="In the number or the title."),
    QueryParam("supplier", "uuid"),
)
SPEND_FILTERS = Filters(
    QueryParam("from", "date", description="Ordered on or after (default: a year before `to`)."),
    QueryParam("to", "date", description="Ordered on or before (default: today)."),
)
CATALOG_FILTERS = Filters(
    QueryParam("q", description="In the description or the supplier's part number."),
    QueryParam("contract", "uuid"),
)


@CONTRACT_FILTERS.on("list")
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer
    pagination_class = Pagination
    permission_classes = [Capability.of(read=READ, write=WRITE)]
    parser_classes = [JSONParser, MultiPartParser]
    queryset = Contract.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.contract_search(
            selectors.contracts_visible_to(current_user(self.request)), **CONTRACT_FILTERS.of(self)
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

    @extend_schema(parameters=SPEND_FILTERS.parameters(), responses={200: dict})
    @action(detail=False, methods=["get"])
    def spend(self, request: Request) -> Response:
        """Ordered spend on and off contract by category and supplier, and maverick spend (off
        contract although a contract covered it), in each legal entity's currency."""
        period = SPEND_FILTERS.read(request.query_params)
        until = period["to"] or timezone.localdate()
        since = period["from"] or until - timedelta(days=365)
        figures = selectors.spend_figures(since=since, until=until, actor=request.user)
        return Response({"period": {"from": since, "to": until}, **figures})


@CATALOG_FILTERS.on("list")
class CatalogItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CatalogItemSerializer
    pagination_class = Pagination
    permission_classes = [Capability.of(read=("accounts.submit_requisition", *READ), write=WRITE)]
    parser_classes = [JSONParser, MultiPartParser]
    queryset = CatalogItem.objects.none()

    def get_queryset(self) -> QuerySet[CatalogItem]:
        return selectors.catalog_items(
            on=timezone.localdate(), actor=self.request.user, **CATALOG_FILTERS.of(self)
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
