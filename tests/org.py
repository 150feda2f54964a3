"""A tenant with reference data, an FX table and one user per role, for procurement tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.organization.models import Budget, FxRate
from apps.organization.services import demo_reference_data, reference_data_ensure


@dataclass
class Org:
    tenant: Any
    requester: Any
    manager: Any
    approver: Any
    finance: Any
    buyer: Any
    admin: Any
    receiver: Any


@pytest.fixture
def org(tenant_a: Any, make_user: Any, in_tenant: Any) -> Org:
    manager = make_user(tenant_a, "manager", ["manager"])
    people = Org(
        tenant=tenant_a,
        requester=make_user(tenant_a, "requester", ["requester"], manager=manager),
        manager=manager,
        approver=make_user(tenant_a, "approver", ["approver"], manager=manager),
        finance=make_user(tenant_a, "finance", ["ap_manager"]),
        buyer=make_user(tenant_a, "buyer", ["buyer"]),
        admin=make_user(tenant_a, "admin", ["tenant_admin"]),
        receiver=make_user(tenant_a, "receiver", ["receiver"]),
    )
    with in_tenant(tenant_a):
        reference_data_ensure(
            actor="system:test", **demo_reference_data(manager=manager, year=timezone.now().year)
        )
        FxRate.objects.create(
            base="EUR", quote="USD", valid_on=date(2020, 1, 1), rate=Decimal("1.10")
        )
    return people


def requisition_body(total: str = "500.00", **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Laptops for the new hires",
        "cost_center": "CC-100",
        "spend_category": "IT-HW",
        "legal_entity": "US01",
        "currency": "USD",
        "lines": [{"description": "Laptop", "quantity": "1", "unit_price": total}],
    }
    body.update(extra)
    return body


def budget_of(tenant: Any, in_tenant: Any, code: str = "CC-100") -> Budget:
    with in_tenant(tenant):
        return Budget.objects.get(cost_center__code=code)
