"""`POST /api/v1/invoices/extract/` (CONTRACT §3): a PDF or a photo of an invoice (multipart,
field `file`) → `{fields, confidence, model, findings, advice_id}`. Creates no invoice; the
advice shown is stored. AP, and a supplier's portal user for its own supplier."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.current import current_user
from apps.api.permissions import Capability

from .services import invoice_extract


class ExtractRequest(serializers.Serializer):
    file = serializers.FileField(help_text="the invoice: a PDF, or a PNG or JPEG photo or scan")


class ExtractResponse(serializers.Serializer):
    fields = serializers.DictField(  # type: ignore[assignment]  # the answer's key
        help_text="supplier {name, tax_id, id}, invoice_number, invoice_date, due_date, currency, "
        "po_number, purchase_order_id, total, tax_total, net_total, lines [{description, "
        "quantity, unit_price, amount}]"
    )
    confidence = serializers.DictField(child=serializers.FloatField(), help_text="field → 0..1")
    model = serializers.CharField()
    source = serializers.ChoiceField(choices=["text", "ocr"])  # type: ignore[assignment]
    findings = serializers.ListField(child=serializers.DictField())
    advice_id = serializers.UUIDField()
    threshold = serializers.FloatField(help_text="the policy's pre-fill threshold")


class InvoiceExtractView(APIView):
    permission_classes = [
        Capability.of(write=("accounts.process_invoices", "accounts.use_supplier_portal"))
    ]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="invoices_extract",
        request={"multipart/form-data": ExtractRequest},
        responses={200: ExtractResponse},
        description="Reads an invoice PDF or photo into fields with a confidence per field. "
        "Creates nothing.",
    )
    def post(self, request: Request) -> Response:
        answer: dict[str, Any] = invoice_extract(
            actor=current_user(request), upload=request.FILES.get("file")
        )
        answer.pop("prefill", None)
        return Response(answer)


urlpatterns = [path("invoices/extract/", InvoiceExtractView.as_view(), name="invoice-extract")]
