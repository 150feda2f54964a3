"""Budget commitment: a budget commits up to its last cent and not beyond."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from apps.organization.models import Budget
from apps.organization.services import BudgetExceeded, budget_commit

pytestmark = pytest.mark.django_db


def test_a_budget_commits_up_to_its_last_cent_and_not_beyond(org: Any, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        budget = Budget.objects.get(cost_center__code="CC-200")
        left = budget.remaining
        with transaction.atomic():
            budget_commit(budget=budget, amount=left, allow_over=False)
        assert Budget.objects.get(pk=budget.pk).remaining == 0
        with pytest.raises(BudgetExceeded) as refused, transaction.atomic():
            budget_commit(budget=budget, amount=Decimal("0.01"), allow_over=False)
        assert str(refused.value.detail) == (
            f"CC-200 has 0.00 {budget.currency} left; this needs 0.01."
        )
        with transaction.atomic():
            budget_commit(budget=budget, amount=Decimal("5.00"), allow_over=True)
        assert Budget.objects.get(pk=budget.pk).remaining == Decimal("-5.00")
