from rest_framework import serializers

from ..models import Budget, CostCenter, LegalEntity, SpendCategory


class LegalEntitySerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalEntity
        fields = ["id", "code", "name", "country", "currency"]


class CostCenterSerializer(serializers.ModelSerializer):
    manager: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="email", read_only=True
    )
    legal_entity: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = CostCenter
        fields = ["id", "code", "name", "manager", "legal_entity", "active"]


class SpendCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = SpendCategory
        fields = ["id", "code", "name", "active"]


class BudgetSerializer(serializers.ModelSerializer):
    cost_center: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    remaining = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id",
            "code",
            "cost_center",
            "period_start",
            "period_end",
            "currency",
            "amount",
            "committed",
            "actual",
            "remaining",
        ]
