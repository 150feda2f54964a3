"""Reads of the organization's reference data. An actor limited to legal entities (a service
account's key) reads only theirs, their cost centers and budgets, and those shared by every
entity (a cost center of no entity)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from apps.controls.entities import within_entities

from .models import Budget, CostCenter, LegalEntity, SpendCategory


def legal_entities(actor: Any) -> QuerySet[LegalEntity]:
    return within_entities(LegalEntity.objects.order_by("-created_at", "-id"), actor, field="")


def cost_centers(actor: Any) -> QuerySet[CostCenter]:
    found = CostCenter.objects.select_related("manager", "legal_entity")
    return within_entities(found, actor, shared=True).order_by("-created_at", "-id")


def spend_categories() -> QuerySet[SpendCategory]:
    return SpendCategory.objects.order_by("-created_at", "-id")


def budgets(actor: Any) -> QuerySet[Budget]:
    found = Budget.objects.select_related("cost_center")
    return within_entities(found, actor, field="cost_center__legal_entity", shared=True).order_by(
        "-period_start", "-id"
    )


def budget_covering(*, cost_center: CostCenter, on: date) -> QuerySet[Budget]:
    """The budget of a cost center whose period covers `on` (at most one)."""
    return Budget.objects.filter(cost_center=cost_center, period_start__lte=on, period_end__gte=on)
