from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.ids import parse_uuid
from apps.api.parsers import BoundedJSONParser
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import NotFound, PermissionRefused, ValidationFailed
from apps.suppliers.selectors import supplier_of

from .. import selectors
from ..exception_codes import CODES, QUEUES
from ..files import original_file
from ..models import Invoice, InvoiceException
from ..rules import INVOICE_READERS, may_read_invoices
from ..services import receive, resolutions
from .serializers import (
    AssignSerializer,
    CommentInputSerializer,
    CommentSerializer,
    ExceptionDetailSerializer,
    ExceptionSerializer,
    ImportSerializer,
    InvoiceInputSerializer,
    InvoiceListSerializer,
    InvoiceSerializer,
    PortalInvoiceListSerializer,
    PortalInvoiceSerializer,
    ResolveSerializer,
)

# what an invoice's original file may be (uploads are typed by content: apps/einvoices)
ORIGINAL_FILE_TYPES = ("application/pdf", "application/xml", "text/csv", "application/octet-stream")
INVOICE_WRITERS = ("accounts.process_invoices", "accounts.use_supplier_portal")


class QueueReader(BasePermission):
    """Exception queues are read by those who work a queue, and by auditors."""

    message = gettext_lazy("You do not work any exception queue.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and selectors.queues_of(user))


def _portal_supplier(user: User) -> Any:
    """A supplier user files invoices only as its own supplier."""
    if user.has_perm("accounts.process_invoices"):
        return None
    supplier = supplier_of(user)
    if supplier is None:
        raise PermissionRefused()
    return supplier


INVOICE_FILTERS = Filters(
    QueryParam.choice("status", Invoice.Status.values),
    QueryParam("supplier", "uuid"),
    QueryParam("q", description="In the invoice number, the supplier's name or the PO quoted."),
)
EXCEPTION_FILTERS = Filters(
    QueryParam.choice(
        "status", ["open", "overdue", *InvoiceException.Status.values], "`open`: not resolved"
    ),
    QueryParam.choice("code", CODES),
    QueryParam.choice("category", {category for category, _q, _d in CODES.values()}),
    QueryParam.choice("queue", QUEUES),
    QueryParam.choice("assignee", ("me", "none")),
)


@INVOICE_FILTERS.on("list")
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [
        Capability.of(
            read=(*INVOICE_READERS, "accounts.use_supplier_portal"), write=INVOICE_WRITERS
        )
    ]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self) -> Any:
        if self._supplier_reads():
            return PortalInvoiceListSerializer if self.action == "list" else PortalInvoiceSerializer
        return InvoiceListSerializer if self.action == "list" else InvoiceSerializer

    def _supplier_reads(self) -> bool:
        """A supplier user reads its invoices without what it may not be told
        (PortalInvoiceFields); internal readers see everything. The schema is drawn for
        the internal shape, which the portal's is a subset of."""
        if getattr(self, "swagger_fake_view", False):
            return False
        return not may_read_invoices(current_user(self.request))

    def get_queryset(self) -> QuerySet[Invoice]:
        invoices = selectors.invoice_list(current_user(self.request), **INVOICE_FILTERS.of(self))
        if self._supplier_reads():
            invoices = invoices.select_related("duplicate_of")  # whose original it is
        return (
            invoices
            if self.action == "list"
            else invoices.prefetch_related(selectors.invoice_lines())
        )

    def _body(self, invoice: Invoice, code: int = 200, **extra: Any) -> Response:
        found = selectors.invoice_detail(current_user(self.request), invoice.pk)
        shape = PortalInvoiceSerializer if self._supplier_reads() else InvoiceSerializer
        return Response({**shape(found).data, **extra}, status=code)

    def _get(self, pk: str) -> Invoice:
        invoice = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if invoice is None:
            raise NotFound()
        return invoice

    @extend_schema(request=InvoiceInputSerializer, responses={201: InvoiceSerializer})
    def create(self, request: Request) -> Response:
        payload = InvoiceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        supplier = _portal_supplier(current_user(request))
        data = dict(payload.validated_data)
        if supplier is not None:
            data["channel"] = Invoice.Channel.PORTAL
        invoice = receive.invoice_create(actor=current_user(request), data=data, supplier=supplier)
        return self._body(invoice, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer}, responses={201: InvoiceSerializer}
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request: Request) -> Response:
        supplier = _portal_supplier(current_user(request))
        invoices = receive.invoices_import(
            actor=current_user(request), upload=request.FILES.get("file"), supplier=supplier
        )
        imported = [{"id": str(i.pk), "invoice_number": i.invoice_number} for i in invoices]
        return self._body(invoices[0], status.HTTP_201_CREATED, imported=imported)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def rematch(self, request: Request, pk: str) -> Response:
        if not current_user(request).has_perm("accounts.process_invoices"):
            raise PermissionRefused()
        invoice = resolutions.invoice_rematch(
            actor=current_user(request), invoice_id=self._get(pk).pk
        )
        return self._body(invoice)

    @extend_schema(responses={(200, t): bytes for t in ORIGINAL_FILE_TYPES})
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str) -> FileResponse:
        return original_file(self._get(pk))


@EXCEPTION_FILTERS.on("list")
class ExceptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExceptionSerializer
    permission_classes = [QueueReader]

    def get_serializer_class(self) -> Any:
        return ExceptionDetailSerializer if self.action == "retrieve" else ExceptionSerializer

    @extend_schema(responses=ExceptionDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.exception_search(current_user(self.request), **EXCEPTION_FILTERS.of(self))

    def _pk(self, pk: str) -> Any:
        exception = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if exception is None:
            raise NotFound()
        return exception.pk

    def _body(self, pk: Any) -> Response:
        return Response(ExceptionSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=ResolveSerializer, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        exception = resolutions.exception_resolve(
            actor=current_user(request), exception_id=self._pk(pk), **payload.validated_data
        )
        return self._body(exception.pk)

    @extend_schema(request=AssignSerializer, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        email = payload.validated_data.get("assignee")
        assignee = (
            User.objects.with_identity(email).filter(is_active=True).first() if email else None
        )
        if email and assignee is None:
            raise ValidationFailed(errors={"assignee": [_("No active user with that e-mail.")]})
        exception = resolutions.exception_assign(
            actor=current_user(request), exception_id=self._pk(pk), assignee=assignee
        )
        return self._body(exception.pk)

    @extend_schema(request=CommentInputSerializer, responses={200: CommentSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request: Request, pk: str) -> Response:
        exception_id = self._pk(pk)
        if request.method == "POST":
            payload = CommentInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            resolutions.exception_comment(
                actor=current_user(request),
                exception_id=exception_id,
                body=payload.validated_data["body"],
            )
        comments = self.get_queryset().get(pk=exception_id).comments.select_related("author")
        return Response(CommentSerializer(comments, many=True).data)
