"""What the tenant's plan counts of its requisitions (apps.tenancy.plans): those created in a
month, whatever became of them."""

from __future__ import annotations

from datetime import datetime

from apps.tenancy.plans import month_bounds, month_first, plan_guard

from .models import Requisition


def requisitions_between(since: datetime, until: datetime) -> int:
    return Requisition.objects.filter(created_at__gte=since, created_at__lt=until).count()


def requisition_create_guard() -> str:
    """Before one more requisition: refused at the plan's hard limit for the month."""
    return plan_guard("requisitions", lambda: requisitions_between(*month_bounds(month_first())))
