"""Behaviours of the database-bound controls that a mutation run (`make mutants`) showed no
test held: each test here fails when one of those mutants is applied (docs/testing.md)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as PageClient
from django.utils import timezone

from apps.accounts.services import user_ensure, user_set_roles
from apps.controls.refusals import NotFound, SoDViolation
from apps.invoices.models import Invoice
from apps.invoices.rules import may_work, variance_authority
from apps.invoices.services.resolutions import exception_resolve
from apps.organization.models import Budget
from apps.organization.services import BudgetExceeded, budget_commit
from apps.payments.services.runs import payment_proposal_create, payment_run_release
from apps.suppliers.models import BankAccount
from apps.suppliers.services.access import locked_for
from apps.suppliers.services.banking import bank_account_add, bank_account_reject
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve, task_delegate
from tests import world
from tests.conftest import PASSWORD, host_of
from tests.invoices.conftest import add_bank_account
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.django_db
IBAN = "DE89370400440532013000"


# ------------------------------------------------------------------ payment release
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
    from apps.invoices.services.outcome import invoices_match
    from apps.invoices.services.receive import invoice_create
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


# ------------------------------------------------------------------ budgets
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


# ------------------------------------------------------------------ queues and authority
def test_the_compliance_queue_is_compliances_alone(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        assert may_work(sorg.compliance, "compliance") is True
        assert may_work(sorg.clerk, "compliance") is False
        assert may_work(sorg.clerk, "ap") is True
        assert variance_authority(sorg.org.requester) == Decimal("0")
        assert variance_authority(sorg.clerk) == Decimal("100")


# ------------------------------------------------------------------ approval routes
def test_who_delegated_a_step_may_decide_a_later_one(org: Any, in_tenant: Any) -> None:
    """one_step_per_person counts decisions; a step handed on by delegation was not decided."""
    with in_tenant(org.tenant):
        user_set_roles(actor=org.admin, user=org.manager, roles=["manager", "ap_manager"])
        manager = type(org.manager).objects.get(pk=org.manager.pk)
        requisition, first = world.pending(org.requester, total="30000.00")
        handed = task_delegate(actor=manager, task_id=first.pk, to_user=org.approver)
        task_approve(actor=org.approver, task_id=handed.pk)
        second = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=manager
        )
        assert task_approve(actor=manager, task_id=second.pk).status == "approved"


# ------------------------------------------------------------------ suppliers
def test_a_supplier_acting_on_an_unknown_supplier_is_told_not_found(
    sorg: Any, in_tenant: Any
) -> None:
    import uuid

    with in_tenant(sorg.tenant), pytest.raises(NotFound), transaction.atomic():
        locked_for(sorg.buyer, uuid.uuid4())


def test_sharing_is_another_suppliers_live_account_only(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        mine = invite(sorg, "Tailspin Parts GmbH")
        user = portal_user(mine)
        with transaction.atomic():
            first = bank_account_add(
                actor=user, supplier_id=mine.pk, data={"account_holder": "Tailspin", "iban": IBAN}
            )
            again = bank_account_add(
                actor=user, supplier_id=mine.pk, data={"account_holder": "Tailspin", "iban": IBAN}
            )
        assert again.shared_with == []  # its own earlier entry is no one else's
        with transaction.atomic():
            bank_account_reject(actor=sorg.clerk, account_id=first.pk, comment="Wrong holder")
            bank_account_reject(actor=sorg.clerk, account_id=again.pk, comment="Wrong holder")
        other = invite(sorg, "Wingtip Toys GmbH", email="ap@wingtip.test")
        with transaction.atomic():
            fresh = bank_account_add(
                actor=portal_user(other),
                supplier_id=other.pk,
                data={"account_holder": "Wingtip", "iban": IBAN},
            )
        assert fresh.shared_with == []  # rejected entries are not on file
        third = invite(sorg, "Northwind Traders", email="ap@northwind.test")
        with transaction.atomic():
            shared = bank_account_add(
                actor=portal_user(third),
                supplier_id=third.pk,
                data={"account_holder": "Northwind", "iban": IBAN},
            )
        assert shared.shared_with == [
            {"supplier": str(other.pk), "name": "Wingtip Toys GmbH", "account": fresh.masked}
        ]


# ------------------------------------------------------------------ Idempotency-Key
def test_keys_belong_to_their_caller(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    """The same key from another caller (token or session) is another request."""
    first = api_for(tenant_a, make_user(tenant_a, "admin1", ["tenant_admin"]))
    second = api_for(tenant_a, make_user(tenant_a, "admin2", ["tenant_admin"]))
    body = {"email": "key-owner@tenanta.test", "roles": ["buyer"]}
    made = first.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert made.status_code == 201
    other = second.post(
        "/api/v1/users/",
        {"email": "other-owner@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    replay = first.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == made.json()
    # and the second caller's own replay is its own first answer, not the first caller's
    again = second.post(
        "/api/v1/users/",
        {"email": "other-owner@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert again["Idempotent-Replayed"] == "true" and again.json() == other.json()


def test_a_key_must_be_1_to_255_characters(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "keylength", ["tenant_admin"]))
    body = {"email": "key-length@tenanta.test", "roles": ["buyer"]}
    refusal = {
        "code": "validation_error",
        "detail": "Idempotency-Key must be 1 to 255 characters.",
        "errors": {"Idempotency-Key": ["Use 1 to 255 characters."]},
    }
    for key in ("", "k" * 256):
        refused = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert refused.status_code == 400 and refused.json() == refusal, key
    longest = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert longest.status_code == 201


def test_keys_of_two_session_users_are_apart(tenant_a: Any, make_user: Any, in_tenant: Any) -> None:
    pages = []
    for local in ("session1", "session2"):
        user = make_user(tenant_a, local, ["tenant_admin"])
        page = PageClient(HTTP_HOST=host_of(tenant_a), enforce_csrf_checks=False)
        with in_tenant(tenant_a):
            page.force_login(user)
        pages.append(page)
    answers = [
        page.post(
            "/api/v1/users/",
            {"email": f"via-session-{i}@tenanta.test", "roles": ["buyer"]},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="page-key",
        )
        for i, page in enumerate(pages)
    ]
    assert [a.status_code for a in answers] == [201, 201]


def test_a_key_still_in_progress_answers_409(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    from apps.integrations.models import IdempotencyRecord

    user = make_user(tenant_a, "inprogress", ["tenant_admin"])
    api = api_for(tenant_a, user)
    body = {"email": "slow@tenanta.test", "roles": ["buyer"]}
    done = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")
    assert done.status_code == 201
    IdempotencyRecord.objects.filter(key="slow-key").update(status_code=None, body=b"")
    busy = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")
    assert busy.status_code == 409
    assert busy.json() == {
        "code": "idempotency_key_in_progress",
        "detail": "A request with this Idempotency-Key is still being processed.",
    }
    reused = api.post(
        "/api/v1/users/",
        {"email": "else@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="slow-key",
    )
    assert reused.status_code == 422 and reused.json() == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used with a different request.",
    }


def test_what_a_releaser_decided_outside_the_run_does_not_bar_them(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Only the run's own invoices count: approving another invoice's route and overriding
    another invoice's exception leave the release to this person."""
    from apps.invoices.services.outcome import invoices_match
    from apps.invoices.services.receive import invoice_create
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
    from apps.invoices.services.outcome import invoices_match
    from apps.invoices.services.receive import invoice_create
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
