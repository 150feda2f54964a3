"""Spend against a contract under real parallel connections: the contract row is locked at
submission, so a cap that fits ten requisitions commits exactly ten."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.controls.refusals import ApplicationError
from apps.organization.models import Budget
from tests.procurement.test_concurrency import in_parallel

from .conftest import register_contract


def test_twenty_submissions_against_a_contract_that_fits_ten(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.contracts.models import Contract
    from apps.procurement.models import Requisition
    from apps.procurement.services.requisitions import requisition_create, requisition_submit
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context

    tenant, requester, buyer = (
        committed_org["tenant"],
        committed_org["requester"],
        committed_org["buyer"],
    )
    with django_db_blocker.unblock(), tenant_context(tenant):
        Budget.objects.filter(cost_center__code="CC-100").update(amount=Decimal("1000000.00"))
        with transaction.atomic():
            supplier = Supplier.objects.create(
                name="Contoso Office", country="US", status="approved", screening="clear"
            )
            contract = register_contract(buyer, supplier.pk, value_cap=Decimal("10000.00"))
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
                for _ in range(20)
            ]
        jobs = [
            lambda pk=d.pk: requisition_submit(actor=requester, requisition_id=pk) for d in drafts
        ]
        results = in_parallel(tenant, jobs)
        refused = [r for r in results if isinstance(r, ApplicationError)]
        others = [r for r in results if isinstance(r, Exception) and r not in refused]
        assert not others, others
        assert {(r.code, getattr(r, "condition", "")) for r in refused} == {
            ("contract_not_applicable", "value")
        }
        assert len(refused) == 10
        contract = Contract.objects.get(pk=contract.pk)
        assert contract.committed == Decimal("10000.00") and contract.remaining == 0
        submitted = Requisition.objects.filter(contract=contract).exclude(status="draft")
        assert submitted.count() == 10
        assert all(r.on_contract and r.contract_committed == 1000 for r in submitted)
        assert Requisition.objects.filter(status="draft").count() == 10
