from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.current import current_user
from apps.api.fields import CurrencyField, IdentifierField

from ..advice import exception_advice
from ..models import ExceptionComment, Invoice, InvoiceException, InvoiceLine
from ..rules import own_original, supplier_may_see


class InvoiceLineInputSerializer(serializers.Serializer):
    po_line = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        default=Decimal("0"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )


class InvoiceInputSerializer(serializers.Serializer):
    supplier = serializers.UUIDField(required=False)
    invoice_number = IdentifierField(max_length=60)
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True)
    currency = CurrencyField()
    purchase_order = serializers.UUIDField(required=False, allow_null=True)
    kind = serializers.ChoiceField(
        choices=Invoice.Kind.choices, required=False, default=Invoice.Kind.INVOICE
    )
    credited_invoice_number = IdentifierField(required=False, allow_blank=True, max_length=60)
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ExceptionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceException
        fields = ["id", "code", "category", "status", "queue"]


class InvoiceLineSerializer(serializers.ModelSerializer):
    # the line's latest match (LineMatch), read through InvoiceLine's properties
    match_status = serializers.CharField(read_only=True)
    match_kind = serializers.CharField(read_only=True)
    price_variance = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    quantity_variance = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    match_detail = serializers.DictField(read_only=True)
    match_policy_version = serializers.CharField(read_only=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "line_no", "po_line", "order_line_reference", "description", "quantity", "unit_price",
            "net_amount", "tax_rate", "tax_category", "match_status", "match_kind",
            "price_variance", "quantity_variance", "match_detail", "match_policy_version",
        ]  # fmt: skip


class InvoiceSerializer(serializers.ModelSerializer):
    supplier = serializers.UUIDField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name")
    purchase_order = serializers.UUIDField(source="purchase_order_id", allow_null=True)
    exceptions = ExceptionBriefSerializer(many=True, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", allow_null=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id", "kind", "supplier", "supplier_name", "invoice_number", "invoice_date", "due_date",
            "currency", "purchase_order", "po_reference", "lines_total", "allowance_total",
            "charge_total", "tax_total", "total", "prepaid", "payable", "tax_breakdown",
            "discount_percent", "discount_until", "status", "touchless", "channel", "profile",
            "header_only", "file_name", "file_sha256", "file_url", "duplicate_of", "policy_version",
            "created_at", "matched_at", "approved_at", "paid_at", "exceptions", "lines",
        ]  # fmt: skip

    def get_file_url(self, invoice: Invoice) -> str | None:
        return f"/api/v1/invoices/{invoice.pk}/file/" if invoice.file else None


class InvoiceListSerializer(InvoiceSerializer):
    class Meta(InvoiceSerializer.Meta):
        fields = [f for f in InvoiceSerializer.Meta.fields if f not in ("lines", "tax_breakdown")]


def _as_the_supplier_reads_it(data: Any, invoice: Invoice) -> Any:
    """What a supplier user reads of its invoice: the same shape, without the exceptions it
    may not see (fraud-risk suspicions, other suppliers a seller may be;
    rules.supplier_may_see), and `duplicate_of` only when the original is its own invoice."""
    data["exceptions"] = [
        e for e in data["exceptions"] if supplier_may_see(e["code"], e["category"], invoice)
    ]
    original = own_original(invoice)
    data["duplicate_of"] = str(original.pk) if original is not None else None
    return data


class PortalInvoiceSerializer(InvoiceSerializer):
    def to_representation(self, instance: Invoice) -> Any:
        return _as_the_supplier_reads_it(super().to_representation(instance), instance)


class PortalInvoiceListSerializer(InvoiceListSerializer):
    def to_representation(self, instance: Invoice) -> Any:
        return _as_the_supplier_reads_it(super().to_representation(instance), instance)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.email", allow_null=True)

    class Meta:
        model = ExceptionComment
        fields = ["id", "author", "body", "created_at"]


class ExceptionSerializer(serializers.ModelSerializer):
    invoice = serializers.UUIDField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.invoice_number")
    supplier_name = serializers.CharField(source="invoice.supplier.name")
    assignee = serializers.CharField(source="assignee.email", allow_null=True, default=None)
    line_no = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceException
        fields = [
            "id", "invoice", "invoice_number", "supplier_name", "code", "category", "queue",
            "status", "detail", "data", "variance_amount", "line_no", "assignee",
            "policy_version", "created_at",
            "due_at", "escalated_at", "resolution", "resolution_comment", "resolved_at",
        ]  # fmt: skip

    def get_line_no(self, exception: InvoiceException) -> int | None:
        return exception.data.get("line_no")


class SimilarCaseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    resolution = serializers.CharField()


class ExceptionAdviceSerializer(serializers.Serializer):
    """What an assistant says about the exception to the person reading it; advice only."""

    summary = serializers.CharField()
    suggested_resolution = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    similar = SimilarCaseSerializer(many=True)
    model = serializers.CharField()


class ExceptionDetailSerializer(ExceptionSerializer):
    """One exception, with the advice for the person reading it (apps.invoices.advice):
    null when the assistant is off or has nothing to say."""

    advice = serializers.SerializerMethodField()

    class Meta(ExceptionSerializer.Meta):
        fields = [*ExceptionSerializer.Meta.fields, "advice"]

    @extend_schema_field(ExceptionAdviceSerializer(allow_null=True))
    def get_advice(self, exception: InvoiceException) -> dict[str, Any] | None:
        request = self.context.get("request")
        if request is None:
            return None
        return exception_advice(exception, current_user(request))


class EnteredLineSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=16, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4, min_value=0)
    order_line = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    purchase_order = serializers.CharField(required=False, allow_blank=True, default="")
    # choose_supplier: the id of one of the candidates the exception names
    supplier = serializers.CharField(required=False, allow_blank=True, default="")
    # enter_lines: the invoice's lines as AP reads them from the supplier's PDF
    lines = EnteredLineSerializer(many=True, required=False, default=None)
    # link_invoice: the id of the invoice a credit note credits (same supplier and currency)
    credited_invoice = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.EmailField(required=False, allow_null=True)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField()
