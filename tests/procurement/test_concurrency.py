"""Concurrency against real PostgreSQL: rows really committed, really parallel connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connections, transaction

from apps.controls.refusals import ApplicationError
from apps.organization.models import Budget


def in_parallel(tenant: Any, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and database connection, all starting together."""
    from apps.tenancy.context import tenant_context

    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            with tenant_context(tenant):
                barrier.wait(timeout=30)
                results[i] = job()
        except ApplicationError as exc:
            results[i] = exc
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _draft(requester: Any, amount: str) -> Any:
    """A requisition naming its supplier, so that approval issues the order."""
    from apps.procurement.services.requisitions import requisition_create
    from apps.suppliers.models import Supplier

    with transaction.atomic():
        supplier, _created = Supplier.objects.get_or_create(
            name="Chairs and Desks Inc.",
            defaults={"country": "US", "status": "approved", "screening": "clear"},
        )
        return requisition_create(
            actor=requester,
            data={
                "title": "Chairs",
                "cost_center": "CC-100",
                "spend_category": "FAC",
                "legal_entity": "US01",
                "currency": "USD",
                "supplier": supplier.pk,
                "lines": [{"description": "Chair", "quantity": "1", "unit_price": amount}],
            },
        )


def test_twenty_submissions_against_a_budget_that_fits_ten(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.procurement.models import Requisition
    from apps.procurement.services.requisitions import requisition_submit
    from apps.tenancy.context import tenant_context

    tenant, requester = committed_org["tenant"], committed_org["requester"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        Budget.objects.filter(cost_center__code="CC-100").update(amount=Decimal("10000.00"))
        drafts = [_draft(requester, "1000.00") for _ in range(20)]
        jobs = [
            lambda pk=d.pk: requisition_submit(actor=requester, requisition_id=pk) for d in drafts
        ]
        results = in_parallel(tenant, jobs)
        refused = [r for r in results if isinstance(r, ApplicationError)]
        assert {r.code for r in refused} == {"budget_exceeded"}
        assert len(refused) == 10
        budget = Budget.objects.get(cost_center__code="CC-100")
        assert budget.actual == Decimal("10000.00") and budget.committed == 0
        assert Requisition.objects.filter(status="ordered").count() == 10
        assert Requisition.objects.filter(status="draft").count() == 10


def test_two_approvals_of_one_task_one_wins(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.procurement.models import PurchaseOrder
    from apps.procurement.services.requisitions import requisition_submit
    from apps.tenancy.context import tenant_context
    from apps.workflow.models import ApprovalTask
    from apps.workflow.services import task_approve

    tenant, requester, manager = (
        committed_org["tenant"],
        committed_org["requester"],
        committed_org["manager"],
    )
    with django_db_blocker.unblock(), tenant_context(tenant):
        draft = _draft(requester, "5000.00")
        with transaction.atomic():
            requisition_submit(actor=requester, requisition_id=draft.pk)
        task = ApprovalTask.objects.get(assignee=manager, status="open")
        results = in_parallel(tenant, [lambda: task_approve(actor=manager, task_id=task.pk)] * 2)
        errors = [r for r in results if isinstance(r, ApplicationError)]
        assert (
            len(errors) == 1 and errors[0].code == "invalid_transition" and errors[0].status == 409
        )
        assert PurchaseOrder.objects.filter(requisition_id=draft.pk).count() == 1


def test_the_event_chain_and_a_budget_are_locked_in_one_order(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    """Found under load (make load): a submit held the budget row and waited for the event
    chain while an approval held the chain and waited for the budget to issue its order, and
    PostgreSQL ended one of them as a deadlock. Here one transaction records an event first
    and then needs the budget, while another commits against the same budget in between:
    both finish, because the budget is only ever locked after the chain."""
    from apps.events.services import event_record
    from apps.organization.services import budget_actualize, budget_commit

    with django_db_blocker.unblock():
        from apps.tenancy.context import tenant_context

        with tenant_context(committed_org["tenant"]):
            budget = Budget.objects.get(cost_center__code="CC-100")
        chain_held = threading.Event()

        def approval_like() -> str:
            with transaction.atomic():
                event_record(
                    actor="system:test", action="lock.order", subject_type="t", subject_id=1
                )
                chain_held.set()
                threading.Event().wait(1.0)  # the other transaction reaches the budget now
                budget_actualize(budget=budget, amount=Decimal("0"))
            return "approved"

        def submit_like() -> str:
            chain_held.wait(10)
            with transaction.atomic():
                budget_commit(budget=budget, amount=Decimal("1.00"), allow_over=True)
                event_record(
                    actor="system:test", action="lock.order", subject_type="t", subject_id=2
                )
            return "submitted"

        results = in_parallel(committed_org["tenant"], [approval_like, submit_like])
    assert results == ["approved", "submitted"], results


def test_the_event_chain_and_a_supplier_are_locked_in_one_order(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    """The same rule for supplier rows: an onboarding decision records its event and then
    locks the supplier, while a bank change locks the supplier and then records its event."""
    from apps.events.services import event_record
    from apps.suppliers.models import Supplier
    from apps.suppliers.services.access import locked
    from apps.tenancy.context import tenant_context

    with django_db_blocker.unblock():
        with tenant_context(committed_org["tenant"]), transaction.atomic():
            supplier = Supplier.objects.create(name="Lock Order GmbH", country="DE")
        chain_held = threading.Event()

        def decision_like() -> str:
            with transaction.atomic():
                event_record(
                    actor="system:test", action="lock.order", subject_type="t", subject_id=3
                )
                chain_held.set()
                threading.Event().wait(1.0)
                locked(supplier.pk)
            return "decided"

        def change_like() -> str:
            chain_held.wait(10)
            with transaction.atomic():
                locked(supplier.pk)
                event_record(
                    actor="system:test", action="lock.order", subject_type="t", subject_id=4
                )
            return "changed"

        results = in_parallel(committed_org["tenant"], [decision_like, change_like])
    assert results == ["decided", "changed"], results


def test_requisitions_arriving_together_at_the_plans_hard_limit_take_its_last_place_once(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.procurement.models import Requisition
    from apps.tenancy.context import public_context, tenant_context
    from apps.tenancy.models import ClientPlan
    from apps.tenancy.plans import PlanLimitReached

    tenant, requester = committed_org["tenant"], committed_org["requester"]
    with django_db_blocker.unblock():
        with tenant_context(tenant):
            before = Requisition.objects.count()  # all of this month's: the org is new
        with public_context():
            ClientPlan.objects.update_or_create(
                client=tenant, defaults={"requisitions_hard": before + 1}
            )
        try:
            results = in_parallel(tenant, [lambda: _draft(requester, "10.00")] * 6)
        finally:
            with public_context():
                ClientPlan.objects.filter(client=tenant).delete()
        made = [r for r in results if isinstance(r, Requisition)]
        refused = [r for r in results if isinstance(r, PlanLimitReached)]
        assert (len(made), len(refused)) == (1, 5), results
        with tenant_context(tenant):
            assert Requisition.objects.count() == before + 1
