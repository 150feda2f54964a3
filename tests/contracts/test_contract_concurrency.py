"""Spend against a contract under real parallel connections: the contract row is locked at
submission, so a cap that fits ten requisitions commits exactly ten."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.controls.refusals import ApplicationError
from tests.procurement.test_concurrency import in_parallel

from .conftest import toner_drafts


def test_twenty_submissions_against_a_contract_that_fits_ten(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.contracts.models import Contract
    from apps.procurement.models import Requisition
    from apps.procurement.services.requisitions import requisition_submit
    from apps.tenancy.context import tenant_context

    tenant, requester, buyer = (
        committed_org["tenant"],
        committed_org["requester"],
        committed_org["buyer"],
    )
    with django_db_blocker.unblock(), tenant_context(tenant):
        contract, drafts = toner_drafts(requester, buyer, 20, value_cap=Decimal("10000.00"))
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
