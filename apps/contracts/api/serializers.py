from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.api.fields import CurrencyField, IdentifierField

from ..models import CatalogItem, Contract, ContractAmendment


class ContractInputSerializer(serializers.Serializer):
    number = IdentifierField(max_length=40)
    title = serializers.CharField(max_length=200)
    supplier = serializers.UUIDField()
    legal_entities = serializers.ListField(child=serializers.CharField(max_length=10))
    spend_categories = serializers.ListField(child=serializers.CharField(max_length=20))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    notice_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    auto_renew = serializers.BooleanField(required=False)
    renewal_months = serializers.IntegerField(required=False, min_value=1, max_value=120)
    value_cap = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = CurrencyField()
    owner = serializers.EmailField(required=False, help_text="the owner's e-mail (default: you)")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="PATCH of an active contract: why it is amended (required)",
    )


class ContractReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class FileSerializer(serializers.Serializer):
    file = serializers.FileField()


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractAmendment
        fields = ["sequence", "reason", "changes", "actor", "at"]


class ContractSerializer(serializers.ModelSerializer):
    supplier = serializers.UUIDField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name")
    legal_entities = serializers.SerializerMethodField()
    spend_categories = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    remaining = serializers.DecimalField(max_digits=16, decimal_places=2)
    document = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "title",
            "supplier",
            "supplier_name",
            "legal_entities",
            "spend_categories",
            "starts_on",
            "ends_on",
            "notice_days",
            "auto_renew",
            "renewal_months",
            "value_cap",
            "currency",
            "owner",
            "status",
            "committed",
            "invoiced",
            "remaining",
            "document",
            "policy_version",
            "end_reason",
            "created_at",
            "activated_at",
        ]

    def get_legal_entities(self, contract: Contract) -> list[str]:
        return sorted(e.code for e in contract.legal_entities.all())

    def get_spend_categories(self, contract: Contract) -> list[str]:
        return sorted(c.code for c in contract.spend_categories.all())

    def get_owner(self, contract: Contract) -> str | None:
        return contract.owner.email if contract.owner else None

    def get_document(self, contract: Contract) -> dict[str, Any] | None:
        if not contract.document_sha256:
            return None
        return {
            "name": contract.document_name,
            "sha256": contract.document_sha256,
            "size": contract.document_size,
            "url": f"/contracts/{contract.pk}/document/",
        }


class ContractDetailSerializer(ContractSerializer):
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "amendments"]


class CatalogItemSerializer(serializers.ModelSerializer):
    contract = serializers.UUIDField(source="contract_id")
    contract_number = serializers.CharField(source="contract.number")
    supplier = serializers.UUIDField(source="contract.supplier_id")
    supplier_name = serializers.CharField(source="contract.supplier.name")
    spend_category = serializers.CharField(source="spend_category.code")

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "contract",
            "contract_number",
            "supplier",
            "supplier_name",
            "sku",
            "description",
            "unit",
            "unit_price",
            "currency",
            "spend_category",
            "valid_until",
        ]


class CatalogItemInputSerializer(serializers.Serializer):
    contract = serializers.UUIDField()
    sku = serializers.CharField(max_length=60, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300)
    unit = serializers.CharField(max_length=20, required=False)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    currency = CurrencyField(required=False)
    spend_category = serializers.CharField(max_length=20)
    valid_until = serializers.DateField(required=False, allow_null=True)
