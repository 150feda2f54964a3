from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from apps.api.permissions import Capability

from .. import selectors
from .serializers import (
    BudgetSerializer,
    CostCenterSerializer,
    LegalEntitySerializer,
    SpendCategorySerializer,
)

_READ = [Capability.of(read="accounts.view_reference_data")]


class _CodeFiltered(viewsets.ReadOnlyModelViewSet):
    permission_classes = _READ

    def filter_code(self, queryset: QuerySet) -> QuerySet:
        code = self.request.query_params.get("code")
        return queryset.filter(code=code) if code else queryset


class LegalEntityViewSet(_CodeFiltered):
    serializer_class = LegalEntitySerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.legal_entities(self.request.user))


class CostCenterViewSet(_CodeFiltered):
    serializer_class = CostCenterSerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.cost_centers(self.request.user))


class SpendCategoryViewSet(_CodeFiltered):
    serializer_class = SpendCategorySerializer

    def get_queryset(self) -> QuerySet:
        return self.filter_code(selectors.spend_categories())


class BudgetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BudgetSerializer
    permission_classes = _READ

    def get_queryset(self) -> QuerySet:
        queryset = selectors.budgets(self.request.user)
        cost_center = self.request.query_params.get("cost_center")
        return queryset.filter(cost_center__code=cost_center) if cost_center else queryset
