"""Segregation of duties at payment release: who approved, overrode, called back or confirmed
anything in a run may not release it, and each conflict is named; what a releaser decided
outside the run does not bar them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import user_ensure
from apps.controls.refusals import SoDViolation
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.invoices.services.resolutions import exception_resolve
from apps.matching.services.outcome import invoices_match
from apps.payments.services.runs import payment_proposal_create, payment_run_release
from apps.suppliers.models import BankAccount
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve
from tests import world
from tests.conftest import PASSWORD
from tests.invoices.conftest import add_bank_account, invoice_body, make_order, validated

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
IBAN = "DE89370400440532013000"


def _releaser(tenant: Any, local: str) -> Any:
    return user_ensure(email=f"{local}@{tenant.slug}.test", password=PASSWORD, roles=["ap_manager"])


def test_release_names_each_conflict_of_the_releaser(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Overriding an exception, or only calling back (or only approving) a bank account of a
    payee, bars the release; the refusal names the invoice or supplier."""
    with in_tenant(aporg.tenant):
        overrider = _releaser(aporg.tenant, "overrider")
        caller = _releaser(aporg.tenant, "caller")
        decider = _releaser(aporg.tenant, "decider")
        outsider = _releaser(aporg.tenant, "outsider")
        exception = world.price_exception(aporg, receive, "OVR-1")
        exception_resolve(
            actor=overrider,
            exception_id=exception.pk,
            resolution="override",
            comment="Agreed on the phone.",
        )
        invoice = Invoice.objects.get(pk=exception.invoice_id)
        assert invoice.status == Invoice.Status.APPROVED and invoice.approved_by != overrider
        Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate())
        account = add_bank_account(aporg.supplier, by=None)
        BankAccount.objects.filter(pk=account.pk).update(callback_by=caller, decided_by=decider)
        [run] = payment_proposal_create(actor=aporg.clerk)
        cases = [
            (overrider, "you approved invoice OVR-1"),
            (caller, f"you handled the bank details of {aporg.supplier.name}"),
            (decider, f"you handled the bank details of {aporg.supplier.name}"),
        ]
        for person, says in cases:
            with (
                pytest.raises(
                    SoDViolation,
                    match="^" + re.escape(f"Another AP manager must release this run: {says}"),
                ),
                transaction.atomic(),
            ):
                payment_run_release(actor=person, run_id=run.pk)
        assert payment_run_release(actor=outsider, run_id=run.pk).status == "released"


def test_a_route_approver_other_than_the_last_is_barred_too(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    """The invoice's `approved_by` is the last decider; anyone who approved a step of its route
    is barred as well."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from tests.invoices.conftest import invoice_body, make_order, validated

    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, by=aporg.clerk)
        order = make_order(aporg, [("Server", "1", "12000.00")])
        receive(aporg, order, {1: "1"})
        invoice = invoice_create(
            actor=aporg.clerk, data=validated(invoice_body(order, number="ROUTE-2"))
        )
        invoices_match(invoice_ids=[invoice.pk])
        task = ApprovalTask.objects.get(
            subject_id=str(invoice.pk), status="open", assignee=aporg.apmanager
        )
        task_approve(actor=aporg.apmanager, task_id=task.pk)
        # the record names someone else as approver; the route still knows who decided
        Invoice.objects.filter(pk=invoice.pk).update(
            approved_by=aporg.apmanager2, due_date=timezone.localdate()
        )
        [run] = payment_proposal_create(actor=aporg.clerk)
        with pytest.raises(SoDViolation, match="ROUTE-2"), transaction.atomic():
            payment_run_release(actor=aporg.apmanager, run_id=run.pk)


def test_what_a_releaser_decided_outside_the_run_does_not_bar_them(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Only the run's own invoices count: approving another invoice's route and overriding
    another invoice's exception leave the release to this person."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from tests.invoices.conftest import invoice_body, make_order, validated

    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, by=aporg.clerk)
        payable = world.payable(aporg, receive, "IN-RUN-1")
        order = make_order(aporg, [("Server", "1", "12000.00")])
        receive(aporg, order, {1: "1"})
        elsewhere = invoice_create(
            actor=aporg.clerk, data=validated(invoice_body(order, number="ELSEWHERE-1"))
        )
        invoices_match(invoice_ids=[elsewhere.pk])
        task = ApprovalTask.objects.get(
            subject_id=str(elsewhere.pk), status="open", assignee=aporg.apmanager
        )
        task_approve(actor=aporg.apmanager, task_id=task.pk)
        exception = world.price_exception(aporg, receive, "ELSEWHERE-2")
        exception_resolve(
            actor=aporg.apmanager,
            exception_id=exception.pk,
            resolution="override",
            comment="Agreed on the phone.",
        )
        far = timezone.localdate() + timedelta(days=365)
        Invoice.objects.exclude(pk=payable.pk).update(due_date=far, discount_until=None)
        [run] = payment_proposal_create(actor=aporg.clerk)
        assert list(run.payments.values_list("invoice_id", flat=True)) == [payable.pk]
        assert payment_run_release(actor=aporg.apmanager, run_id=run.pk).status == "released"


def test_releasing_a_duplicate_bars_and_asking_for_a_rematch_does_not(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Confirming a suspected duplicate approves it (the releaser is barred from paying it);
    resolving an exception by a fresh match decides nothing (the releaser may pay)."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from tests.invoices.conftest import invoice_body, make_order, validated

    def matched(body: dict[str, Any]) -> Invoice:
        created = invoice_create(actor=aporg.clerk, data=validated(body))
        invoices_match(invoice_ids=[created.pk])
        return Invoice.objects.get(pk=created.pk)

    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, by=aporg.clerk)
        rematcher = _releaser(aporg.tenant, "rematcher")
        order = make_order(aporg, [("Cable", "10", "12.00")])
        receive(aporg, order, {1: "10"})
        matched(invoice_body(order, number="INV-5", quantities={1: "5"}))
        twin = matched(invoice_body(order, number="inv 0005", quantities={1: "5"}))
        duplicate = twin.exceptions.get(code="duplicate_suspected")
        for person, says in ((aporg.apmanager, "first"), (aporg.apmanager2, "second")):
            exception_resolve(
                actor=person,
                exception_id=duplicate.pk,
                resolution="release_duplicate",
                comment=f"{says}: a second delivery",
            )
        early_order = make_order(aporg, [("Dock", "2", "150.00")])
        early = matched(invoice_body(early_order, number="EARLY-1"))
        waiting = early.exceptions.get(code="not_received")
        receive(aporg, early_order, {1: "2"})
        exception_resolve(actor=rematcher, exception_id=waiting.pk, resolution="rematch")
        assert Invoice.objects.get(pk=early.pk).status == Invoice.Status.APPROVED
        Invoice.objects.filter(status=Invoice.Status.APPROVED).update(due_date=timezone.localdate())
        [run] = payment_proposal_create(actor=aporg.clerk)
        numbers = set(run.payments.values_list("invoice__invoice_number", flat=True))
        assert {"inv 0005", "EARLY-1"} <= numbers
        with pytest.raises(SoDViolation, match="inv 0005"), transaction.atomic():
            payment_run_release(actor=aporg.apmanager2, run_id=run.pk)
        assert payment_run_release(actor=rematcher, run_id=run.pk).status == "released"


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
