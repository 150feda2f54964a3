"""The control behind `on_contract`: a requisition is on contract only when the contract it
links is active on the need-by date, binds its supplier and legal entity, covers its spend
category and has the value left. A free-text reference never counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.contracts.models import Contract
from apps.contracts.services.renewals import contract_renewal_alerts
from apps.contracts.services.spend import ContractNotApplicable
from apps.procurement.models import Requisition
from apps.procurement.services.requisitions import (
    requisition_cancel,
    requisition_create,
    requisition_submit,
    requisition_withdraw,
)
from tests.org import Org, requisition_body, supplier_for

from .conftest import days, register_contract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]

# case → (contract overrides, requisition overrides, the condition refused, or None: on contract)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = {
    "happy path": ({}, {}, None),
    "wrong supplier": ({}, {"supplier": "other"}, "supplier"),
    "wrong legal entity": ({}, {"legal_entity": "DE01", "currency": "EUR"}, "legal_entity"),
    "uncovered category": ({}, {"spend_category": "MKT"}, "spend_category"),
    "not yet active": ({"starts_on": days(10)}, {}, "validity"),
    "still a draft": ({"activate": False}, {}, "status"),
    "ends before the need-by date": ({"ends_on": days(5)}, {"need_by": days(6)}, "validity"),
    "expired": ({"expire": True}, {}, "status"),
    "exhausted value": ({"value_cap": Decimal("400.00")}, {}, "value"),
    "a cent short": ({"value_cap": Decimal("499.99")}, {}, "value"),
    "exactly the value left": ({"value_cap": Decimal("500.00")}, {}, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_on_contract_table(case: str, org: Org, in_tenant: Any) -> None:
    contract_extra, requisition_extra, refused = CASES[case]
    supplier = supplier_for(org, in_tenant)
    other = supplier_for(org, in_tenant, name="Fabrikam Services")
    with in_tenant(org.tenant):
        expire = contract_extra.pop("expire", False)
        contract = register_contract(org.buyer, supplier, **dict(contract_extra))
        if expire:
            contract_renewal_alerts(today=days(400))
            contract.refresh_from_db()
            assert contract.status == Contract.Status.EXPIRED
        body = requisition_body(supplier=supplier, contract=contract.pk)
        body.update(requisition_extra)
        if body["supplier"] == "other":
            body["supplier"] = other
        try:
            draft = requisition_create(actor=org.requester, data=body)
            requisition = requisition_submit(actor=org.requester, requisition_id=draft.pk)
        except ContractNotApplicable as exc:
            assert refused is not None, f"{case}: refused ({exc.detail})"
            assert exc.condition == refused and exc.status == 409
            assert exc.code == "contract_not_applicable"
            assert contract.number in str(exc.detail)
            contract.refresh_from_db()
            assert contract.committed == 0  # nothing held by a refused requisition
            return
        assert refused is None, f"{case}: should have been refused ({refused})"
        assert requisition.on_contract and not requisition.maverick
        submitted = AuditEvent.objects.get(
            action="requisition.submitted", subject_id=str(requisition.pk)
        )
        assert submitted.data["facts"]["on_contract"] is True
        assert submitted.data["facts"]["contract"]["number"] == contract.number
        contract.refresh_from_db()
        assert contract.committed == Decimal("500.00")


def test_free_text_never_counts_and_buying_around_a_contract_adds_the_buyer(
    org: Org, in_tenant: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier)
        # typing the contract's number (or "x") into the note is only a note
        body = requisition_body(supplier=supplier, contract_note=contract.number)
        draft = requisition_create(actor=org.requester, data=body)
        requisition = requisition_submit(actor=org.requester, requisition_id=draft.pk)
        assert not requisition.on_contract and requisition.contract_id is None
        assert requisition.maverick  # a contract with this supplier covers IT-HW in US01
        # 500 USD is approved automatically off contract; the default policy adds the buyer
        assert requisition.status == Requisition.Status.PENDING_APPROVAL
        submitted = AuditEvent.objects.get(
            action="requisition.submitted", subject_id=str(requisition.pk)
        )
        route = submitted.data["route"]
        assert route["contract_action"] == "off_contract_step"
        (step,) = route["steps"]
        assert step["approvers"] == [org.buyer.email]
        assert contract.number in step["reason"]
        # the old field name is still accepted, as a note
        draft = requisition_create(
            actor=org.requester, data=requisition_body(contract_reference="x")
        )
        assert draft.contract_note == "x" and draft.contract_id is None


def test_value_is_held_at_submission_and_released_when_withdrawn_or_cancelled(
    org: Org, in_tenant: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier, value_cap=Decimal("3000.00"))
        body = requisition_body(total="1200.00", supplier=supplier, contract=contract.pk)
        first = requisition_create(actor=org.requester, data=body)
        requisition_submit(actor=org.requester, requisition_id=first.pk)  # to the manager
        second = requisition_create(actor=org.requester, data=body)
        requisition_submit(actor=org.requester, requisition_id=second.pk)
        contract.refresh_from_db()
        assert (contract.committed, contract.remaining) == (Decimal("2400.00"), Decimal("600.00"))
        third = requisition_create(actor=org.requester, data=body)
        with pytest.raises(ContractNotApplicable) as refused:
            requisition_submit(actor=org.requester, requisition_id=third.pk)
        assert refused.value.condition == "value" and "600.00" in str(refused.value.detail)
        requisition_withdraw(actor=org.requester, requisition_id=first.pk)
        requisition_cancel(actor=org.requester, requisition_id=second.pk)
        contract.refresh_from_db()
        assert contract.committed == 0
        requisition_submit(actor=org.requester, requisition_id=third.pk)  # fits again
        contract.refresh_from_db()
        assert contract.committed == Decimal("1200.00")


def test_the_policy_may_warn_or_add_a_step_above_the_contract_value(
    org: Org, in_tenant: Any
) -> None:
    from apps.policies.document import DEFAULT_POLICY
    from apps.policies.services import policy_draft_create, policy_publish

    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier, value_cap=Decimal("400.00"))
        document = {**DEFAULT_POLICY, "settings": {**DEFAULT_POLICY["settings"]}}
        document["settings"]["contract_mode"] = "step"
        version = policy_draft_create(actor=org.admin, document=document)
        policy_publish(actor=org.admin, version=version)
        body = requisition_body(supplier=supplier, contract=contract.pk)
        draft = requisition_create(actor=org.requester, data=body)
        requisition = requisition_submit(actor=org.requester, requisition_id=draft.pk)
        assert requisition.status == Requisition.Status.PENDING_APPROVAL
        assert not requisition.on_contract and not requisition.maverick
        contract.refresh_from_db()
        assert contract.committed == Decimal("500.00") and contract.remaining == Decimal("-100.00")
        submitted = AuditEvent.objects.get(
            action="requisition.submitted", subject_id=str(requisition.pk)
        )
        assert submitted.data["route"]["contract_action"] == "step"
        assert submitted.data["route"]["steps"][-1]["approvers"] == [org.buyer.email]


def test_spend_figures_split_on_off_and_maverick(org: Org, in_tenant: Any) -> None:
    from apps.contracts.selectors import spend_figures
    from apps.workflow.models import ApprovalTask
    from apps.workflow.services import task_approve

    supplier = supplier_for(org, in_tenant)
    other = supplier_for(org, in_tenant, name="Fabrikam Services")
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier)

        def order(**extra: Any) -> Requisition:
            draft = requisition_create(actor=org.requester, data=requisition_body(**extra))
            requisition = requisition_submit(actor=org.requester, requisition_id=draft.pk)
            for task in ApprovalTask.objects.filter(status="open"):
                task_approve(actor=task.assignee, task_id=task.pk)
            requisition.refresh_from_db()
            assert requisition.status == Requisition.Status.ORDERED
            return requisition

        order(total="500.00", contract=contract.pk)  # on contract
        order(total="300.00", supplier=supplier)  # around the contract: maverick
        order(total="200.00", supplier=other, spend_category="MKT")  # no contract exists
        figures = spend_figures(since=days(-1), until=days(1))
        assert figures["totals"] == {
            "USD": {
                "on_contract": Decimal("500.00"),
                "off_contract": Decimal("500.00"),
                "maverick": Decimal("300.00"),
            }
        }
        by_supplier = {r["name"]: r for r in figures["by_supplier"]}
        assert by_supplier["Fabrikam Services"]["maverick"] == 0
        assert by_supplier["Northwind Office Supply"]["maverick"] == Decimal("300.00")
        by_category = {r["name"]: r for r in figures["by_category"]}
        assert by_category["MKT"]["off_contract"] == Decimal("200.00")


def test_a_buyer_choosing_a_contracted_supplier_buys_under_the_contract(
    org: Org, in_tenant: Any
) -> None:
    from apps.procurement.services.sourcing import requisition_source

    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier, value_cap=Decimal("800.00"))
        fits = requisition_create(actor=org.requester, data=requisition_body(total="500.00"))
        fits = requisition_submit(actor=org.requester, requisition_id=fits.pk)
        too_big = requisition_create(actor=org.requester, data=requisition_body(total="600.00"))
        too_big = requisition_submit(actor=org.requester, requisition_id=too_big.pk)
        assert fits.status == too_big.status == Requisition.Status.APPROVED  # no supplier yet
        sourced = requisition_source(actor=org.buyer, requisition_id=fits.pk, supplier_id=supplier)
        assert sourced.status == Requisition.Status.ORDERED
        assert sourced.contract == contract and sourced.on_contract and not sourced.maverick
        contract.refresh_from_db()
        assert contract.committed == Decimal("500.00")
        # 600 does not fit in the 300 left: bought around the contract, counted as maverick
        around = requisition_source(
            actor=org.buyer, requisition_id=too_big.pk, supplier_id=supplier
        )
        assert around.contract is None and not around.on_contract and around.maverick
        contract.refresh_from_db()
        assert contract.committed == Decimal("500.00")
