"""Contracts on the org of tests/org.py: an approved supplier and a helper that registers and
activates a contract through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.contracts.models import Contract


def register_contract(
    buyer: Any, supplier_id: Any, *, activate: bool = True, **extra: Any
) -> Contract:
    """Call inside the tenant. A contract for IT-HW and FAC in US01, a year long, 20,000 USD."""
    from apps.contracts.services.register import contract_activate, contract_create

    today = timezone.localdate()
    data: dict[str, Any] = {
        "number": f"CT-{Contract.objects.count() + 1:04d}",
        "title": "Office and IT supplies",
        "supplier": supplier_id,
        "legal_entities": ["US01"],
        "spend_categories": ["IT-HW", "FAC"],
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=335),
        "value_cap": Decimal("20000.00"),
        "currency": "USD",
        **extra,
    }
    contract = contract_create(actor=buyer, data=data)
    if activate:
        contract = contract_activate(actor=buyer, contract_id=contract.pk)
    return contract


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)
