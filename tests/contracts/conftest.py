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


def toner_drafts(
    requester: Any, buyer: Any, count: int, **terms: Any
) -> tuple[Contract, list[Any]]:
    """For the concurrency tests, in the tenant and committed: a budget that never binds, an
    approved supplier with a contract (`terms` as `register_contract` takes them) and `count`
    draft requisitions of 1,000.00 USD of toner on it."""
    from django.db import transaction

    from apps.organization.models import Budget
    from apps.procurement.services.requisitions import requisition_create
    from apps.suppliers.models import Supplier

    Budget.objects.filter(cost_center__code="CC-100").update(amount=Decimal("1000000.00"))
    with transaction.atomic():
        supplier = Supplier.objects.create(
            name="Contoso Office", country="US", status="approved", screening="clear"
        )
        contract = register_contract(buyer, supplier.pk, **terms)
        drafts = [
            requisition_create(
                actor=requester,
                data={
                    "title": "Toner",
                    "cost_center": "CC-100",
                    "spend_category": "FAC",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "contract": contract.pk,
                    "lines": [{"description": "Toner", "quantity": "1", "unit_price": "1000"}],
                },
            )
            for _ in range(count)
        ]
    return contract, drafts
