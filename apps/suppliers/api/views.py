from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound, PermissionRefused

from .. import selectors
from ..models import BankAccount, ScreeningHit, Supplier, SupplierDocument
from ..services.access import require_file_access
from ..services.banking import (
    bank_account_add,
    bank_account_approve,
    bank_account_record_callback,
    bank_account_reject,
    bank_account_sharing_clear,
)
from ..services.checks import supplier_checks_run
from ..services.documents import document_upload
from ..services.onboarding import supplier_invite, supplier_profile_update, supplier_submit
from ..services.screening import screening_hit_resolve, supplier_reopen
from .serializers import (
    BankAccountInputSerializer,
    BankAccountSerializer,
    CallbackSerializer,
    CheckSerializer,
    CommentSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    PortalBankAccountSerializer,
    PortalSupplierSerializer,
    ReasonSerializer,
    ResolveHitSerializer,
    ScreeningHitSerializer,
    SharingNoteSerializer,
    SupplierInviteSerializer,
    SupplierProfileSerializer,
    SupplierSerializer,
)

READ = ("accounts.view_reference_data", "accounts.use_supplier_portal")


def portal_context(request: HttpRequest | Request) -> dict[str, str]:
    tenant = getattr(request, "tenant", None)
    return {
        "base_url": request.build_absolute_uri("/"),
        "portal_name": getattr(tenant, "portal_name", "") or "Spendgate",
    }


def document_attachment(document: SupplierDocument) -> FileResponse:
    """Served only through an authorised view, always as an attachment."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name or f"{document.doc_type}.{(document.file.name or '')[-3:]}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


SUPPLIER_FILTERS = Filters(
    QueryParam.choice("status", Supplier.Status.values),
    QueryParam.choice("risk", Supplier.Risk.values),
    QueryParam.choice("compliance", Supplier.Compliance.values),
    QueryParam("q", description="In the name or the tax id."),
)
BANK_ACCOUNT_FILTERS = Filters(QueryParam.choice("status", BankAccount.Status.values))
HIT_FILTERS = Filters(
    QueryParam.choice("status", ScreeningHit.Status.values, "`open` when not given")
)


@SUPPLIER_FILTERS.on("list")
class SupplierViewSet(viewsets.GenericViewSet):
    permission_classes = [Capability.of(read=READ, write=READ)]
    serializer_class = SupplierSerializer

    def get_queryset(self) -> QuerySet[Supplier]:
        # a supplier user reads no risk or compliance of its own, nor learns them by filtering
        filters = SUPPLIER_FILTERS.of(self)
        if not current_user(self.request).has_perm("accounts.view_reference_data"):
            filters.update(risk=None, compliance=None)
        return selectors.supplier_search(
            selectors.suppliers_visible_to(current_user(self.request)), **filters
        ).prefetch_related("addresses", "contacts")

    def _serializer(self) -> type:
        internal = current_user(self.request).has_perm("accounts.view_reference_data")
        return SupplierSerializer if internal else PortalSupplierSerializer

    def _supplier(self, pk: str) -> Supplier:
        supplier = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if supplier is None:
            raise NotFound()
        return supplier

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._serializer()(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._serializer()(self._supplier(pk)).data)

    @extend_schema(request=SupplierInviteSerializer, responses={201: SupplierSerializer})
    def create(self, request: Request) -> Response:
        payload = SupplierInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        supplier = supplier_invite(
            actor=current_user(request), **payload.validated_data, **portal_context(request)
        )
        return Response(
            SupplierSerializer(self._supplier(str(supplier.pk))).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SupplierProfileSerializer, responses=SupplierSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = SupplierProfileSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        supplier = supplier_profile_update(
            actor=current_user(request),
            supplier_id=self._supplier(pk).pk,
            data=payload.validated_data,
        )
        return self.retrieve(request, str(supplier.pk))

    @extend_schema(request=None, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        supplier_submit(actor=current_user(request), supplier_id=self._supplier(pk).pk)
        return self.retrieve(request, pk)

    @extend_schema(request=ReasonSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        supplier_reopen(
            actor=current_user(request), supplier_id=self._supplier(pk).pk, **payload.validated_data
        )
        return self.retrieve(request, pk)

    @extend_schema(request=None, responses=CheckSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def checks(self, request: Request, pk: str) -> Response:
        supplier = self._supplier(pk)
        if not current_user(request).has_perm("accounts.view_reference_data"):
            raise PermissionRefused()
        if request.method == "POST":
            if not current_user(request).has_perm("accounts.manage_suppliers"):
                raise PermissionRefused()
            supplier_checks_run(supplier_id=supplier.pk, actor=current_user(request))
        return Response(CheckSerializer(selectors.latest_checks(supplier), many=True).data)

    @extend_schema(methods=["GET"], responses=DocumentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=DocumentUploadSerializer, responses={201: DocumentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def documents(self, request: Request, pk: str) -> Response:
        supplier = self._supplier(pk)
        if request.method == "GET":
            require_file_access(current_user(request), supplier)
            documents = supplier.documents.order_by("doc_type", "-version")
            return Response(DocumentSerializer(documents, many=True).data)
        payload = DocumentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        document = document_upload(
            actor=current_user(request),
            supplier_id=supplier.pk,
            doc_type=data["doc_type"],
            upload=data["file"],
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={(200, t): bytes for t in ("application/pdf", "image/png", "image/jpeg")},
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[^/.]+)/download")
    def download(self, request: Request, pk: str, document_id: str) -> FileResponse:
        supplier = self._supplier(pk)
        require_file_access(current_user(request), supplier)
        document = (
            supplier.documents.filter(pk=document_id).first() if parse_uuid(document_id) else None
        )
        if document is None:
            raise NotFound()
        return document_attachment(document)

    @extend_schema(methods=["GET"], responses=BankAccountSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=BankAccountInputSerializer, responses={201: BankAccountSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="bank-accounts", pagination_class=None)
    def bank_accounts(self, request: Request, pk: str) -> Response:
        supplier = self._supplier(pk)
        if request.method == "GET":
            require_file_access(current_user(request), supplier)
            accounts = supplier.bank_accounts.select_related(
                "requested_by", "callback_by", "decided_by"
            )
            return Response(self._account_serializer()(accounts, many=True).data)
        payload = BankAccountInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = bank_account_add(
            actor=current_user(request), supplier_id=supplier.pk, data=payload.validated_data
        )
        return Response(self._account_serializer()(account).data, status=status.HTTP_201_CREATED)

    def _account_serializer(self) -> type:
        """Internal reviewers see the verification trail and the sharing with other
        suppliers; a supplier user only its own details and whether they are verified."""
        internal = current_user(self.request).has_perm("accounts.view_reference_data")
        return BankAccountSerializer if internal else PortalBankAccountSerializer


@BANK_ACCOUNT_FILTERS.on("list")
class BankAccountViewSet(viewsets.GenericViewSet):
    """The verification steps of a bank change (call-back, approval, rejection)."""

    permission_classes = [
        Capability.of(
            read=("accounts.verify_bank_details", "accounts.view_audit"),
            write="accounts.verify_bank_details",
        )
    ]
    serializer_class = BankAccountSerializer

    def get_queryset(self) -> QuerySet[BankAccount]:
        accounts = BankAccount.objects.select_related(
            "supplier", "requested_by", "callback_by", "decided_by"
        )
        wanted = BANK_ACCOUNT_FILTERS.of(self)["status"]
        if wanted:
            accounts = accounts.filter(status=wanted)
        return accounts.order_by("-requested_at")

    def _pk(self, pk: str) -> Any:
        if not parse_uuid(pk) or not BankAccount.objects.filter(pk=pk).exists():
            raise NotFound()
        return pk

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BankAccountSerializer(page, many=True).data)

    @extend_schema(request=CallbackSerializer, responses=BankAccountSerializer)
    @action(detail=True, methods=["post"])
    def callback(self, request: Request, pk: str) -> Response:
        payload = CallbackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = bank_account_record_callback(
            actor=current_user(request), account_id=self._pk(pk), **payload.validated_data
        )
        return Response(BankAccountSerializer(account).data)

    @extend_schema(request=CommentSerializer, responses=BankAccountSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = bank_account_approve(
            actor=current_user(request),
            account_id=self._pk(pk),
            comment=payload.validated_data.get("comment", ""),
        )
        return Response(BankAccountSerializer(account).data)

    @extend_schema(request=CommentSerializer, responses=BankAccountSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = bank_account_reject(
            actor=current_user(request),
            account_id=self._pk(pk),
            comment=payload.validated_data.get("comment", ""),
        )
        return Response(BankAccountSerializer(account).data)

    @extend_schema(request=SharingNoteSerializer, responses=BankAccountSerializer)
    @action(detail=True, methods=["post"], url_path="clear-sharing")
    def clear_sharing(self, request: Request, pk: str) -> Response:
        """Compliance clears an account that is also on file for another supplier."""
        payload = SharingNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = bank_account_sharing_clear(
            actor=current_user(request),
            account_id=self._pk(pk),
            note=payload.validated_data["note"],
        )
        return Response(BankAccountSerializer(account).data)


@HIT_FILTERS.on("list")
class ScreeningHitViewSet(viewsets.GenericViewSet):
    """The sanctions review queue."""

    permission_classes = [
        Capability.of(
            read=("accounts.review_screening", "accounts.view_audit"),
            write="accounts.review_screening",
        )
    ]
    serializer_class = ScreeningHitSerializer

    def get_queryset(self) -> QuerySet[ScreeningHit]:
        wanted = HIT_FILTERS.of(self)["status"]
        return selectors.screening_queue(wanted or "open")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ScreeningHitSerializer(page, many=True).data)

    @extend_schema(request=ResolveHitSerializer, responses=ScreeningHitSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        payload = ResolveHitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not pk.isdigit():
            raise NotFound()
        hit = screening_hit_resolve(
            actor=current_user(request), hit_id=int(pk), **payload.validated_data
        )
        return Response(ScreeningHitSerializer(hit).data)
