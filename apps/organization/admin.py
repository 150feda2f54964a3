from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Budget, CostCenter, LegalEntity, SpendCategory


class ReferenceDataAdmin(admin.ModelAdmin):
    """Open to the role that maintains reference data. Rows are deactivated, never deleted:
    requisitions, orders and budgets point at them."""

    def _may(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("accounts.manage_reference_data"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LegalEntity)
class LegalEntityAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "country", "currency"]
    search_fields = ["code", "name"]


@admin.register(CostCenter)
class CostCenterAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "manager", "legal_entity", "active"]
    list_select_related = ["manager", "legal_entity"]
    search_fields = ["code", "name"]


@admin.register(SpendCategory)
class SpendCategoryAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]


@admin.register(Budget)
class BudgetAdmin(ReferenceDataAdmin):
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
