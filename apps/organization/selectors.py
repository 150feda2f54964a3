from __future__ import annotations

from django.db.models import QuerySet

from .models import Budget, CostCenter, LegalEntity, SpendCategory


def legal_entities() -> QuerySet[LegalEntity]:
    return LegalEntity.objects.order_by("-created_at", "-id")


def cost_centers() -> QuerySet[CostCenter]:
    return CostCenter.objects.select_related("manager", "legal_entity").order_by(
        "-created_at", "-id"
    )


def spend_categories() -> QuerySet[SpendCategory]:
    return SpendCategory.objects.order_by("-created_at", "-id")


def budgets() -> QuerySet[Budget]:
    return Budget.objects.select_related("cost_center").order_by("-period_start", "-id")
