"""Controls that once could be switched off without any test noticing: each test here fails
when its control is removed (self-approval by delegation, receipt consumption, the supplier
scope of the invoice API, release after a route approval, the sanctions threshold). The
others of that list live beside their subject: the chain's `prev_hash`
(tests/audit/test_chain.py) and an Idempotency-Key on another path (tests/api/test_boundary.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.controls.refusals import SoDViolation
from apps.invoices.models import Invoice
from apps.invoices.services.outcome import invoices_match
from apps.invoices.services.payments import payment_proposal_create, payment_run_release
from apps.invoices.services.receive import invoice_create
from apps.suppliers.models import ScreeningHit, Supplier
from apps.suppliers.services.checks import supplier_checks_run
from apps.workflow.models import ApprovalTask
from apps.workflow.services import delegation_create, task_approve
from tests import world
from tests.invoices.conftest import add_bank_account, invoice_body, make_order, validated
from tests.invoices.test_exceptions import portal_user_of
from tests.suppliers.conftest import invite

pytestmark = pytest.mark.django_db


def test_a_requester_delegated_their_approvers_task_cannot_approve_it(
    org: Any, make_user: Any, in_tenant: Any
) -> None:
    """Out of office hands the approver's open task to the requester: the decision-time
    check still refuses self-approval."""
    requester = make_user(org.tenant, "selfdelegate", ["manager"], manager=org.manager)
    with in_tenant(org.tenant):
        requisition, task = world.pending(requester)
        approver = task.assignee
        assert approver.pk != requester.pk
        with transaction.atomic():
            delegation_create(
                actor=approver,
                delegate=requester,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate(),
            )
        handed = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=requester
        )
        with (
            pytest.raises(SoDViolation, match=r"^You requested this; someone else must approve it"),
            transaction.atomic(),
        ):
            task_approve(actor=requester, task_id=handed.pk)
        handed.refresh_from_db()
        assert handed.status == "open"


def test_one_person_decides_one_step_of_a_route_and_any_number_of_routes(
    org: Any, in_tenant: Any
) -> None:
    """Above 25,000 the route is the cost center's manager, then an AP manager. A manager who
    is also an AP manager decides step one, and is refused step two (one_step_per_person);
    deciding other routes stays allowed."""
    from apps.accounts.services import user_set_roles

    with in_tenant(org.tenant):
        user_set_roles(actor=org.admin, user=org.manager, roles=["manager", "ap_manager"])
        manager = type(org.manager).objects.get(pk=org.manager.pk)
        requisition, first = world.pending(org.requester, total="30000.00")
        assert first.assignee_id == manager.pk
        task_approve(actor=manager, task_id=first.pk)
        second = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=manager
        )
        with (
            pytest.raises(SoDViolation, match=r"^You already decided another step of this route"),
            transaction.atomic(),
        ):
            task_approve(actor=manager, task_id=second.pk)
        # the same person decides the first step of other routes as before
        for _ in range(2):
            _other, task = world.pending(org.requester, total="2000.00")
            assert task_approve(actor=manager, task_id=task.pk).status == "approved"


def test_quantity_an_approved_invoice_consumed_is_not_received_for_the_next(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Docking station", "10", "120.00")])
        receive(aporg, order, {1: "5"})  # half the order arrived
        first = invoice_create(
            actor=aporg.clerk,
            data=validated(invoice_body(order, number="C-1", quantities={1: "5"})),
        )
        invoices_match(invoice_ids=[first.pk])
        first.refresh_from_db()
        assert first.status == Invoice.Status.APPROVED
        # within the order (5 + 4 of 10), but the 5 received were all invoiced already
        second = invoice_create(
            actor=aporg.clerk,
            data=validated(invoice_body(order, number="C-2-OTHER", quantities={1: "4"})),
        )
        invoices_match(invoice_ids=[second.pk])
        second.refresh_from_db()
        codes = set(second.exceptions.values_list("code", flat=True))
        assert codes == {"not_received"} and second.status == Invoice.Status.EXCEPTION


def test_a_supplier_user_lists_only_its_own_invoices_by_api(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any, sorg: Any
) -> None:
    with in_tenant(aporg.tenant):
        mine = world.received(aporg, receive, number="MINE-1")
        other_supplier = invite(sorg, "Northwind Traders")
        # approved (and so compliant) without its onboarding route
        Supplier.objects.filter(pk=other_supplier.pk).update(
            status="approved", compliance="compliant"
        )
        order = make_order(aporg, [("Chair", "2", "80.00")], supplier=other_supplier)
        theirs = invoice_create(
            actor=aporg.clerk, data=validated(invoice_body(order, number="THEIRS-1"))
        )
        user = portal_user_of(aporg)
    api = api_for(aporg.tenant, user)
    listed = {i["invoice_number"] for i in api.get("/api/v1/invoices/").json()["results"]}
    assert listed == {mine.invoice_number}
    assert api.get(f"/api/v1/invoices/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/invoices/?supplier={other_supplier.pk}").json()["count"] == 0


def test_an_ap_manager_who_approved_an_invoice_by_its_route_cannot_release_its_run(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, by=aporg.clerk)
        order = make_order(aporg, [("Server", "1", "12000.00")])
        receive(aporg, order, {1: "1"})
        invoice = invoice_create(
            actor=aporg.clerk, data=validated(invoice_body(order, number="BIG-ROUTE"))
        )
        invoices_match(invoice_ids=[invoice.pk])
        task = ApprovalTask.objects.get(
            subject_type="invoice",
            subject_id=str(invoice.pk),
            status="open",
            assignee=aporg.apmanager,
        )
        task_approve(actor=task.assignee, task_id=task.pk)
        Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate())
        [run] = payment_proposal_create(actor=aporg.clerk)
        assert run.total >= Decimal("12000.00")
        with pytest.raises(SoDViolation, match="BIG-ROUTE"), transaction.atomic():
            payment_run_release(actor=task.assignee, run_id=run.pk)
        released = payment_run_release(actor=aporg.apmanager2, run_id=run.pk)
        assert released.status == "released"


@pytest.mark.parametrize(
    ("name", "hit"),
    [
        ("Banco Nacion de Kuba", True),  # 88.9 against BANCO NACIONAL DE CUBA
        ("Banco Nacionl de Kuba", True),  # 91.9
        ("Banco Nacional Kubanski", False),  # 85.7
    ],
)
def test_the_default_sanctions_threshold_sits_where_the_policy_says(
    sorg: Any, sanctions: Any, in_tenant: Any, name: str, hit: bool
) -> None:
    """The published default threshold (88) decides: a name scoring 88.9 is a hit and one
    scoring 85.7 is not, so the threshold cannot drift a point either way unnoticed."""
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, name, country="PA")
        supplier_checks_run(supplier_id=supplier.pk)
        assert ScreeningHit.objects.filter(supplier=supplier).exists() is hit
