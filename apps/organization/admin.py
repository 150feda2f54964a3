from django.contrib import admin

from .models import Budget, CostCenter, LegalEntity, SpendCategory


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "currency"]
    search_fields = ["code", "name"]


@admin.register(CostCenter)
class CostCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "manager", "legal_entity", "active"]
    list_select_related = ["manager", "legal_entity"]
    search_fields = ["code", "name"]


@admin.register(SpendCategory)
class SpendCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = [
        "cost_center",
        "period_start",
        "period_end",
        "currency",
        "amount",
        "committed",
        "actual",
    ]
    list_select_related = ["cost_center"]
    # Commitments move only through services under row locks, never by hand.
    readonly_fields = ["committed", "actual"]
