from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam

from .. import selectors
from .serializers import (
    BudgetSerializer,
    CostCenterSerializer,
    LegalEntitySerializer,
    SpendCategorySerializer,
)

_READ = [Capability.of(read="accounts.view_reference_data")]


BY_CODE = Filters(QueryParam("code", description="Exactly this code."))
BY_COST_CENTER = Filters(QueryParam("cost_center", description="The cost center's code."))


class _CodeFiltered(viewsets.ReadOnlyModelViewSet):
    permission_classes = _READ

    def filter_code(self, queryset: QuerySet) -> QuerySet:
        code = BY_CODE.of(self)["code"]
        return queryset.filter(code=code) if code else queryset


@BY_CODE.on("list")
class LegalEntityViewSet(_CodeFiltered):
    serializer_class = LegalEntitySerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.legal_entities(self.request.user))


@BY_CODE.on("list")
class CostCenterViewSet(_CodeFiltered):
    serializer_class = CostCenterSerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.cost_centers(self.request.user))


@BY_CODE.on("list")
class SpendCategoryViewSet(_CodeFiltered):
    serializer_class = SpendCategorySerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.spend_categories())


@BY_COST_CENTER.on("list")
class BudgetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BudgetSerializer
    permission_classes = _READ

    def get_queryset(self) -> QuerySet:
        queryset = selectors.budgets(self.request.user)
        cost_center = BY_COST_CENTER.of(self)["cost_center"]
        return queryset.filter(cost_center__code=cost_center) if cost_center else queryset
