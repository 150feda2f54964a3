from __future__ import annotations

from rest_framework import serializers

from ..models import Payment, PaymentRun


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.invoice_number")
    supplier_name = serializers.CharField(source="invoice.supplier.name")
    due_date = serializers.DateField(source="invoice.due_date")

    class Meta:
        model = Payment
        fields = ["invoice", "invoice_number", "supplier_name", "due_date", "amount", "discount"]


class PaymentRunSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    released_by = serializers.CharField(source="released_by.email", allow_null=True, default=None)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentRun
        fields = [
            "id",
            "number",
            "legal_entity",
            "currency",
            "execution_date",
            "status",
            "total",
            "discount_total",
            "released_by",
            "released_at",
            "pain001_sha256",
            "paid_at",
            "payments",
        ]


class ConfirmSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
