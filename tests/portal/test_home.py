"""Each role's home leads to its work with counts, notices link to their subject and leave
once done or dismissed, and a new tenant's admin sees what to set up first."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as BrowserClient

from apps.portal.templatetags.words import money
from apps.workflow.models import Notification
from tests import world
from tests.conftest import PASSWORD, count_queries, host_of

pytestmark = pytest.mark.django_db


def _home(tenant: Any, user: Any) -> tuple[BrowserClient, str]:
    browser = BrowserClient(HTTP_HOST=host_of(tenant))
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    page = browser.get("/")
    assert page.status_code == 200
    return browser, page.text


def _group(html: str, key: str) -> str | None:
    """The section of one group of work, or None when it is not on the page."""
    found = re.search(rf'<section class="card desk" data-work="{key}".*?</section>', html, re.S)
    return found.group(0) if found else None


def _keys(html: str) -> list[str]:
    return re.findall(r'<section class="card desk" data-work="(\w+)"', html)


def _refs(section: str) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', section)


def _link(section: str) -> str:
    found = re.search(r'<h2[^>]*><a href="([^"]+)">', section)
    assert found, section
    return found.group(1).replace("&amp;", "&")


def _urgent(section: str) -> int:
    found = re.search(r'data-urgent="(\d+)"', section)
    return int(found.group(1)) if found else 0


def _opened_days_ago(task: Any, days: int) -> None:
    from django.utils import timezone

    from apps.workflow.models import ApprovalStep

    ApprovalStep.objects.filter(pk=task.step_id).update(
        opened_at=timezone.now() - timedelta(days=days)
    )


def test_the_approver_sees_the_value_waiting_oldest_first(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        newer, newer_task = world.pending(aporg.org.requester, "5000.00")
        older, older_task = world.pending(aporg.org.requester, "7250.50")
        _opened_days_ago(newer_task, 1)
        _opened_days_ago(older_task, 3)
        approver = older_task.assignee
        assert newer_task.assignee == approver
    browser, html = _home(aporg.tenant, approver)
    tasks = _group(html, "tasks")
    assert tasks and _link(tasks) == "/tasks/"
    assert "2 approvals waiting for you" in tasks
    assert money(Decimal("12250.50"), "USD") in tasks  # the value waiting, per currency
    assert _refs(tasks) == [older.number, newer.number]  # the oldest first
    assert older.title in tasks and money(Decimal("7250.50"), "USD") in tasks
    assert "3 days" in tasks and f'href="/requisitions/{older.pk}/"' in tasks
    assert older.number in browser.get("/tasks/").text
    # an overdue task comes before older ones that are still in time
    with in_tenant(aporg.tenant):
        from django.utils import timezone

        from apps.workflow.models import ApprovalStep

        ApprovalStep.objects.filter(pk=newer_task.step_id).update(escalated_at=timezone.now())
    tasks = _group(browser.get("/").text, "tasks")
    assert tasks and _refs(tasks) == [newer.number, older.number] and _urgent(tasks) == 1
    # another approver's desk does not hold these tasks
    other = aporg.apmanager2 if approver != aporg.apmanager2 else aporg.apmanager
    assert older.number not in _home(aporg.tenant, other)[1]


def test_the_requester_sees_drafts_rejections_and_waiting_but_no_empty_groups(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.workflow.services import task_reject

    requester = aporg.org.requester
    _browser, html = _home(aporg.tenant, requester)
    assert _keys(html) == [] and 'data-testid="nothing-waiting"' in html
    assert "Your drafts" not in html and ">0<" not in html
    with in_tenant(aporg.tenant), transaction.atomic():
        draft = world.draft(requester, "320.00", title="Desk lamps")
        waiting, _task = world.pending(requester, "5000.00")
        rejected, task = world.pending(requester, "6400.00")
        task_reject(actor=task.assignee, task_id=task.pk, comment="Buy fewer")
    _browser, html = _home(aporg.tenant, requester)
    assert 'data-testid="nothing-waiting"' not in html
    assert set(_keys(html)) == {"drafts", "waiting", "rejected"}
    drafts = _group(html, "drafts")
    assert drafts and _refs(drafts) == [draft.number] and "Desk lamps" in drafts
    assert "1 draft to finish and submit" in drafts
    assert money(Decimal("320.00"), "USD") in drafts
    waits = _group(html, "waiting")
    assert waits and _refs(waits) == [waiting.number] and money(Decimal("5000"), "USD") in waits
    refused = _group(html, "rejected")
    assert refused and _refs(refused) == [rejected.number]
    # someone else's requisitions are theirs
    colleague = make_user(aporg.tenant, "colleague", ["requester"])
    _browser, html = _home(aporg.tenant, colleague)
    assert _keys(html) == [] and draft.number not in html


def test_ap_sees_invoices_held_by_exceptions_largest_value_first(
    aporg: Any, receive: Any, in_tenant: Any, tenant_b: Any, make_user: Any
) -> None:
    with in_tenant(aporg.tenant):
        small = world.price_exception(aporg, receive, "INV-HOME-1")
        large = world.invoice(aporg, receive, number="INV-HOME-2", price="80.00")
        world.due_past(small)
        small.invoice.refresh_from_db()
    browser, html = _home(aporg.tenant, aporg.clerk)
    held = _group(html, "exceptions")
    assert held and _link(held) == "/exceptions/?status=open"
    assert "2 invoices held by exceptions in your queues" in held
    assert _refs(held) == ["INV-HOME-2", "INV-HOME-1"]  # the largest value at risk first
    assert aporg.supplier.name in held and "Price variance" in held
    assert money(large.payable, large.currency) in held
    assert money(large.payable + small.invoice.payable, "EUR") in held
    assert _urgent(held) == 1
    assert "INV-HOME-1" in browser.get(_link(held)).text
    # another tenant's AP sees none of it
    other = make_user(tenant_b, "clerk-b", ["ap_clerk"])
    _browser, html = _home(tenant_b, other)
    assert _group(html, "exceptions") is None and "INV-HOME" not in html


def test_the_ap_manager_sees_runs_to_release_and_payments_due_this_week(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    from apps.payments.services.runs import payment_proposal_create

    with in_tenant(aporg.tenant):
        due = world.payable(aporg, receive, "INV-DUE-1")
    _browser, html = _home(aporg.tenant, aporg.apmanager)
    week = _group(html, "due_this_week")
    assert week and _refs(week) == ["INV-DUE-1"] and ">today<" in week
    assert money(due.payable, due.currency) in week
    assert _group(html, "payment_runs") is None
    with in_tenant(aporg.tenant):
        [run] = payment_proposal_create(actor=aporg.clerk)
    _browser, html = _home(aporg.tenant, aporg.apmanager)
    runs = _group(html, "payment_runs")
    assert runs and _link(runs) == "/payments/" and _refs(runs) == [run.number]
    assert "1 payment run waiting for release" in runs
    assert money(run.total, run.currency) in runs
    assert _group(html, "due_this_week") is None  # in the run now: counted there, once
    assert 'data-menu="payments"' in html  # and the menu leads there too


def test_the_manager_sees_budget_used_per_cost_center_most_used_first(
    aporg: Any, in_tenant: Any
) -> None:
    from apps.organization.models import Budget

    with in_tenant(aporg.tenant):
        budgets = Budget.objects.filter(cost_center__manager=aporg.org.manager)
        assert budgets.count() >= 2
        budgets.update(committed=0, actual=0)
        first = budgets.get(cost_center__code="CC-200")
        Budget.objects.filter(pk=first.pk).update(
            committed=first.amount * Decimal("0.5"), actual=first.amount * Decimal("0.25")
        )
        second = budgets.get(cost_center__code="CC-100")
        Budget.objects.filter(pk=second.pk).update(committed=second.amount / 10)
    _browser, html = _home(aporg.tenant, aporg.org.manager)
    section = _group(html, "budgets")
    assert section
    order = re.findall(r'data-budget="([^"]+)"', section)
    assert order[:2] == ["CC-200", "CC-100"]
    assert re.search(r'data-budget="CC-200".*?<span data-percent>75 %</span>', section, re.S)
    assert money(first.amount * Decimal("0.75"), first.currency) in section
    assert money(first.amount, first.currency) in section
    # an approver manages no cost center: no budgets on their desk
    assert _group(_home(aporg.tenant, aporg.org.approver)[1], "budgets") is None


def test_the_receiver_sees_orders_to_receive_late_first(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    from django.utils import timezone

    from apps.procurement.models import Requisition
    from tests.invoices.conftest import make_order

    with in_tenant(aporg.tenant):
        later = make_order(aporg, [("Dock", "2", "150.00")])
        late = make_order(aporg, [("Chairs", "4", "90.00")])
        Requisition.objects.filter(pk=late.requisition_id).update(
            need_by=timezone.localdate() - timedelta(days=2)
        )
    browser, html = _home(aporg.tenant, aporg.receiver)
    section = _group(html, "receipts")
    assert section and _link(section) == "/purchase-orders/?status=open"
    assert _refs(section) == [late.number, later.number] and _urgent(section) == 1
    assert "2 days late" in section and money(Decimal("360"), "EUR") in section
    assert late.number in browser.get(_link(section)).text
    with in_tenant(aporg.tenant):
        receive(aporg, late, {1: "4"})
        receive(aporg, later, {1: "2"})
    assert _group(_home(aporg.tenant, aporg.receiver)[1], "receipts") is None


def test_compliance_and_ap_share_a_bank_change_in_turn(aporg: Any, in_tenant: Any) -> None:
    from django.utils import timezone

    from apps.suppliers.models import BankAccount
    from tests.invoices.conftest import add_bank_account

    with in_tenant(aporg.tenant):
        account = add_bank_account(aporg.supplier, status="pending_verification")
    _browser, html = _home(aporg.tenant, aporg.compliance)
    assert _group(html, "bank_approvals") is None  # no call-back yet: AP's turn first
    browser, html = _home(aporg.tenant, aporg.clerk)
    callbacks = _group(html, "callbacks")
    assert callbacks and _refs(callbacks) == [aporg.supplier.name]
    assert "ending 4931" in callbacks
    assert aporg.supplier.name in browser.get(_link(callbacks)).text
    with in_tenant(aporg.tenant):
        BankAccount.objects.filter(pk=account.pk).update(callback_at=timezone.now())
    _browser, html = _home(aporg.tenant, aporg.compliance)
    approvals = _group(html, "bank_approvals")
    assert approvals and _refs(approvals) == [aporg.supplier.name]
    assert _group(_home(aporg.tenant, aporg.clerk)[1], "callbacks") is None


def test_the_buyer_is_led_to_approved_requisitions_waiting_for_a_supplier(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        approved = world.approved(aporg.org.requester, "640.00")
    browser, html = _home(aporg.tenant, aporg.buyer)
    section = _group(html, "to_source")
    assert section and _link(section) == "/requisitions/?status=approved"
    assert _refs(section) == [approved.number] and money(Decimal("640"), "USD") in section
    assert approved.number in browser.get(_link(section)).text


def test_a_notice_links_to_its_subject_and_leaves_once_done_or_dismissed(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.workflow.services import task_approve

    with in_tenant(aporg.tenant), transaction.atomic():
        _requisition, task = world.pending(aporg.org.requester)
        reminder = Notification.objects.create(
            user=task.assignee,
            kind="approval.reminder",
            subject_type="requisition",
            subject_id=task.subject_id,
            message="Reminder: an approval is waiting for you.",
        )
        note = Notification.objects.create(
            user=task.assignee, kind="supplier.blocked", message="Contoso was blocked."
        )
    browser, html = _home(aporg.tenant, task.assignee)
    assert f'id="notice-{reminder.pk}"' in html
    # the notice names its record: the business number and the title
    named = re.search(rf'id="notice-{reminder.pk}">.*?</li>', html, re.S)
    assert named and f'href="/tasks/" data-notice-subject>{_requisition.number} · ' in named.group(
        0
    )
    assert _requisition.title in named.group(0) and "Reminder" in named.group(0)
    # someone else cannot put it away
    other = BrowserClient(HTTP_HOST=host_of(aporg.tenant))
    other.post("/login/", {"username": aporg.clerk.email, "password": PASSWORD})
    other.post(f"/notices/{note.pk}/dismiss/")
    assert f'id="notice-{note.pk}"' in browser.get("/").text
    # dismissed by its owner: gone
    browser.post(f"/notices/{note.pk}/dismiss/")
    assert f'id="notice-{note.pk}"' not in browser.get("/").text
    # the task decided: the reminder leaves by itself
    with in_tenant(aporg.tenant), transaction.atomic():
        task_approve(actor=task.assignee, task_id=task.pk)
    assert f'id="notice-{reminder.pk}"' not in browser.get("/").text


def _bank_notice(aporg: Any, message: str) -> Notification:
    """What the banking service tells AP of a bank change (names the supplier)."""
    return Notification.objects.create(
        user=aporg.clerk,
        kind="supplier.bank_change",
        subject_type="supplier",
        subject_id=str(aporg.supplier.pk),
        message=message,
    )


def test_a_bank_change_notice_leaves_once_its_account_is_decided_even_if_another_waits(
    aporg: Any, in_tenant: Any
) -> None:
    """The notice names the supplier; a second change entered later must not keep the first
    notice, about an account already decided, on the page."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.suppliers.models import BankAccount
    from tests.invoices.conftest import add_bank_account

    with in_tenant(aporg.tenant):
        first = add_bank_account(aporg.supplier, status="pending_verification")
        old = _bank_notice(aporg, "New bank details ending 4931 wait for a call-back.")
    _browser, html = _home(aporg.tenant, aporg.clerk)
    assert f'id="notice-{old.pk}"' in html
    with in_tenant(aporg.tenant):
        BankAccount.objects.filter(pk=first.pk).update(status="active")
        Notification.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=60)
        )
        BankAccount.objects.filter(pk=first.pk).update(
            requested_at=timezone.now() - timedelta(days=60, minutes=1)
        )
        second = add_bank_account(aporg.supplier, status="pending_verification")
        new = _bank_notice(aporg, "Newer bank details wait for a call-back.")
    _browser, html = _home(aporg.tenant, aporg.clerk)
    assert f'id="notice-{new.pk}"' in html and f'id="notice-{old.pk}"' not in html
    with in_tenant(aporg.tenant):
        BankAccount.objects.filter(pk=second.pk).update(status="rejected")
    _browser, html = _home(aporg.tenant, aporg.clerk)
    assert f'id="notice-{new.pk}"' not in html


def test_the_home_page_costs_the_same_with_many_notices(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    clerk = aporg.clerk
    browser, _html = _home(aporg.tenant, clerk)

    def add(n: int) -> None:
        with in_tenant(aporg.tenant):
            Notification.objects.bulk_create(
                Notification(
                    user=clerk,
                    kind=kind,
                    subject_type="supplier",
                    subject_id=str(aporg.supplier.pk),
                    message=f"notice {i}",
                )
                for i in range(n)
                for kind in ("supplier.bank_change", "supplier.document_expiring", "x.other")
            )

    add(1)
    few = count_queries(lambda: browser.get("/"))
    add(30)
    assert count_queries(lambda: browser.get("/")) == few


def test_a_new_tenants_admin_sees_what_to_set_up_first(
    tenant_b: Any, in_tenant: Any, make_user: Any
) -> None:
    from django.utils import timezone

    from apps.demo.reference_data import demo_reference_data
    from apps.organization.services import reference_data_ensure

    admin = make_user(tenant_b, "setup-admin", ["tenant_admin"])
    _browser, html = _home(tenant_b, admin)
    todo = set(re.findall(r'class="todo" data-setup="(\w+)"', html))
    assert {"legal_entities", "budgets", "people", "suppliers", "paying_accounts"} <= todo
    with in_tenant(tenant_b):
        reference_data_ensure(
            actor=admin, **demo_reference_data(manager=admin, year=timezone.now().year)
        )
    _browser, html = _home(tenant_b, admin)
    done = set(re.findall(r'class="done" data-setup="(\w+)"', html))
    assert {"legal_entities", "cost_centers", "categories", "budgets", "fx_rates"} <= done
    assert "paying_accounts" not in done and "missing for DE01, US01" in html


def test_approving_says_which_order_was_issued(aporg: Any, in_tenant: Any) -> None:
    from apps.procurement.models import PurchaseOrder

    with in_tenant(aporg.tenant), transaction.atomic():
        requisition, task = world.pending(aporg.org.requester, supplier=aporg.supplier)
        unsourced, other = world.pending(aporg.org.requester)
        approver = task.assignee
    browser, _html = _home(aporg.tenant, approver)
    row = browser.post(f"/tasks/{task.pk}/approve/", HTTP_HX_REQUEST="true").text
    with in_tenant(aporg.tenant):
        order = PurchaseOrder.objects.get(requisition=requisition)
    assert 'data-testid="order-issued"' in row and order.number in row
    assert aporg.supplier.name in row
    assert f'href="/purchase-orders/{order.pk}/"' in row
    # naming no supplier, it is approved and waits for a buyer: the approver is told so
    row = browser.post(f"/tasks/{other.pk}/approve/", HTTP_HX_REQUEST="true").text
    assert 'data-testid="awaits-supplier"' in row and 'data-testid="order-issued"' not in row
    with in_tenant(aporg.tenant):
        assert not PurchaseOrder.objects.filter(requisition=unsourced).exists()


def test_pages_update_themselves_while_background_work_runs(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    """An invoice waiting for matching and an evidence pack being built poll for themselves;
    once done, the page that comes back has no trigger, so polling stops."""
    from apps.assurance.packs import evidence_pack_request
    from apps.matching.services.outcome import invoices_match

    with in_tenant(aporg.tenant), transaction.atomic():
        waiting = world.received(aporg, receive, number="POLL-1")
    browser, _html = _home(aporg.tenant, aporg.clerk)
    poll = f'hx-get="/invoices/{waiting.pk}/" hx-trigger="every 2s" hx-select="#invoice-body"'
    assert poll in browser.get(f"/invoices/{waiting.pk}/").text
    with in_tenant(aporg.tenant):
        invoices_match(invoice_ids=[waiting.pk])
    assert "hx-trigger" not in browser.get(f"/invoices/{waiting.pk}/").text

    auditor = make_user(aporg.tenant, "poll-auditor", ["auditor"])
    with in_tenant(aporg.tenant), transaction.atomic():
        pack = evidence_pack_request(
            actor=auditor, subject_type="invoice", subject_id=str(waiting.pk)
        )
    audit, html = _home(aporg.tenant, auditor)
    assert _group(html, "packs") is None  # being built: nothing to do yet
    page = audit.get("/audit/").text
    assert 'data-testid="packs-pending"' in page and "POLL-1" in page  # named, not an id
    with in_tenant(aporg.tenant):
        type(pack).objects.filter(pk=pack.pk).update(status="ready", title="POLL-1 pack")
    assert 'data-testid="packs-pending"' not in audit.get("/audit/").text
    packs = _group(audit.get("/").text, "packs")
    assert packs and _link(packs) == "/audit/#packs" and _refs(packs) == ["POLL-1 pack"]


def test_a_notice_with_a_malformed_subject_is_shown_not_a_crash(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        Notification.objects.create(
            user=aporg.clerk,
            kind="supplier.bank_change",
            subject_type="supplier",
            subject_id="not-an-id",
            message="A bank change came in.",
        )
    _browser, html = _home(aporg.tenant, aporg.clerk)
    assert "A bank change came in." not in html  # nothing pending for no supplier: it has left


# ------------------------------------------------------------------ every role's desk at once
ROLES_AND_GROUPS = {
    # role → the groups its desk must show once every kind of work exists
    "requester": {"drafts", "waiting", "rejected"},
    "approver": {"tasks"},
    "manager": {"budgets"},
    "buyer": {"to_source", "unacknowledged", "onboarding", "expiring"},
    "receiver": {"receipts"},
    "ap_clerk": {"exceptions", "due_this_week", "callbacks"},
    "ap_manager": {"exceptions", "payment_runs", "due_this_week"},
    "auditor": {"packs"},
    "tenant_admin": {"expiring", "webhooks"},
    "compliance": {"screening", "bank_approvals"},
}


class Desk:
    """Every kind of work each role's desk shows, added `k` at a time."""

    def __init__(self, aporg: Any, receive: Any, people: dict[str, Any]) -> None:
        self.aporg, self.receive, self.people, self.made = aporg, receive, people, 0

    def _approved_invoice(self, price: str) -> Any:
        from django.utils import timezone

        from apps.invoices.models import Invoice
        from apps.invoices.services.receive import invoice_create
        from apps.matching.services.outcome import invoices_match
        from tests.invoices.conftest import invoice_body, make_order, validated

        order = make_order(self.aporg, [("Monitor arm", "1", price)])
        self.receive(self.aporg, order, {1: "1"})
        # numbers far apart, so none looks like a duplicate of another
        body = invoice_body(order, number=uuid.uuid4().hex[:12].upper())
        invoice = invoice_create(actor=self.aporg.clerk, data=validated(body))
        invoices_match(invoice_ids=[invoice.pk])
        Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate())
        invoice.refresh_from_db()
        assert invoice.status == "approved", list(invoice.exceptions.values_list("code", "detail"))
        return invoice

    def grow(self, k: int) -> None:
        from django.utils import timezone

        from apps.assurance.models import EvidencePack
        from apps.integrations.models import WebhookEndpoint
        from apps.payments.services.runs import payment_proposal_create
        from apps.procurement.models import Requisition
        from apps.suppliers.models import ScreeningHit, Supplier, SupplierDocument
        from tests.invoices.conftest import add_bank_account, make_order

        aporg, requester = self.aporg, self.aporg.org.requester
        now = timezone.now()
        if not aporg.supplier.bank_accounts.exists():  # its first account: not a change
            add_bank_account(aporg.supplier)
        for _i in range(k):
            self.made += 1
            n = self.made
            with transaction.atomic():
                requisition, task = world.pending(requester, f"{5000 + n}.00")
                Notification.objects.bulk_create(
                    Notification(
                        user=user,
                        kind="approval.reminder" if user == task.assignee else "x.other",
                        subject_type="requisition",
                        subject_id=str(requisition.pk),
                        message="Reminder",
                    )
                    for user in self.people.values()
                )
                world.draft(requester, f"{100 + n}.00")
                rejected = world.draft(requester, f"{200 + n}.00")
                Requisition.objects.filter(pk=rejected.pk).update(status="rejected", decided_at=now)
                world.approved(requester, f"{300 + n}.00")
            make_order(aporg, [("Dock", "1", f"{150 + n}.00")])
            world.invoice(aporg, self.receive, number=f"INV-HELD-{n}", price=f"{50 + n}.00")
            self._approved_invoice(f"{400 + n}.00")
            supplier = Supplier.objects.create(
                name=f"Desk supplier {n}", country="DE", status=Supplier.Status.PENDING_APPROVAL
            )
            add_bank_account(supplier, status="pending_verification")
            called = add_bank_account(supplier, status="pending_verification")
            type(called).objects.filter(pk=called.pk).update(callback_at=now)
            SupplierDocument.objects.create(
                supplier=supplier,
                doc_type="insurance_certificate",
                file=f"docs/{n}.pdf",
                original_name="insurance.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                expires_on=timezone.localdate() + timedelta(days=n),
            )
            ScreeningHit.objects.create(
                supplier=supplier,
                screened_name=supplier.name,
                list_source="ofac_sdn",
                list_sha256="0" * 64,
                entry_uid=str(n),
                entry_name="Someone",
                matched_name="Someone",
                kind="fuzzy",
                score=0.9,
            )
            EvidencePack.objects.create(
                requested_by=self.people["auditor"], status="ready", title=f"Pack {n}"
            )
            WebhookEndpoint.objects.create(
                url=f"https://erp{n}.example/hook",
                enabled=False,
                disabled_reason="410 Gone",
                secret_encrypted="x",
            )
        payment_proposal_create(actor=aporg.clerk)  # a run to release ...
        for _i in range(k):  # ... and invoices due this week not yet in one
            self.made += 1
            self._approved_invoice(f"{400 + self.made}.00")


def test_every_roles_desk_costs_the_same_with_three_times_the_work(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    """NetBox's baseline: each home page's queries do not grow with its rows."""
    with in_tenant(aporg.tenant), transaction.atomic():
        _requisition, task = world.pending(aporg.org.requester, "5000.00")
        approver = task.assignee
        transaction.set_rollback(True)
    people = {
        "requester": aporg.org.requester,
        "approver": approver,
        "manager": aporg.org.manager,
        "buyer": aporg.buyer,
        "receiver": aporg.receiver,
        "ap_clerk": aporg.clerk,
        "ap_manager": aporg.apmanager,
        "auditor": make_user(aporg.tenant, "desk-auditor", ["auditor"]),
        "tenant_admin": aporg.org.admin,
        "compliance": aporg.compliance,
    }
    browsers = {role: _home(aporg.tenant, user)[0] for role, user in people.items()}
    desk = Desk(aporg, receive, people)

    def measure() -> dict[str, int]:
        counts = {}
        for role, browser in browsers.items():
            counts[role] = count_queries(partial(browser.get, "/"))
            shown = set(_keys(browser.get("/").text))
            assert ROLES_AND_GROUPS[role] <= shown, (role, shown)
        return counts

    with in_tenant(aporg.tenant):
        desk.grow(1)
    few = measure()
    with in_tenant(aporg.tenant):
        desk.grow(2)
    assert measure() == few


def test_only_the_tenant_admin_is_shown_the_api_documentation(aporg: Any, make_user: Any) -> None:
    """Administrators connect other systems (service accounts, keys, webhooks); everyone
    else works in the portal, where a link to the API is noise."""
    for role in ROLES_AND_GROUPS:
        user = make_user(aporg.tenant, f"docs-{role}", [role])
        _browser, html = _home(aporg.tenant, user)
        assert ('data-testid="api-docs"' in html) == (role == "tenant_admin"), role


def test_a_desk_with_nothing_waiting_says_so_once(aporg: Any, make_user: Any) -> None:
    for role in ("approver", "receiver", "ap_manager", "compliance", "auditor"):
        user = make_user(aporg.tenant, f"calm-{role}", [role])
        _browser, html = _home(aporg.tenant, user)
        assert _keys(html) == [], role
        assert html.count('data-testid="nothing-waiting"') == 1, role


def test_notices_name_their_record_once(aporg: Any, in_tenant: Any) -> None:
    """A notice about a record says which (number and title); one whose words already give
    the number is not named twice."""
    with in_tenant(aporg.tenant), transaction.atomic():
        requisition = world.draft(aporg.org.requester, "320.00", title="Desk lamps")
        bare = Notification.objects.create(
            user=aporg.clerk,
            kind="requisition.note",
            subject_type="requisition",
            subject_id=str(requisition.pk),
            message="A colleague commented.",
        )
        named = Notification.objects.create(
            user=aporg.clerk,
            kind="requisition.note",
            subject_type="requisition",
            subject_id=str(requisition.pk),
            message=f"{requisition.number} was commented on.",
        )
    _browser, html = _home(aporg.tenant, aporg.clerk)
    first = re.search(rf'id="notice-{bare.pk}">.*?</li>', html, re.S)
    second = re.search(rf'id="notice-{named.pk}">.*?</li>', html, re.S)
    assert first and f"{requisition.number} · Desk lamps</a>: A colleague commented." in first[0]
    assert second and second[0].count(requisition.number) == 1


def test_the_desk_counts_days_in_the_tenants_time_zone(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Half past eleven at night in UTC is already the next morning in Tokyo: an invoice due
    "today" in UTC is a day late there, and the desk says so."""
    import time_machine

    from apps.invoices.models import Invoice

    with in_tenant(aporg.tenant):
        due = world.payable(aporg, receive, "INV-TOKYO-1")
        Invoice.objects.filter(pk=due.pk).update(due_date=date(2026, 3, 10))
    aporg.tenant.time_zone = "Asia/Tokyo"
    aporg.tenant.save(update_fields=["time_zone"])
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        _browser, html = _home(aporg.tenant, aporg.apmanager)
    week = _group(html, "due_this_week")
    assert week and _refs(week) == ["INV-TOKYO-1"]
    assert "1 day late" in week and ">today<" not in week
    assert _urgent(week) == 1


def test_a_run_the_ap_manager_may_not_release_is_left_to_another(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """Segregation of duties: a run paying an invoice this AP manager approved is not on their
    desk to release; another AP manager's desk has it."""
    from apps.invoices.models import Invoice

    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive, "INV-SOD-1")
    _browser, html = _home(aporg.tenant, aporg.apmanager)
    runs = _group(html, "payment_runs")
    assert runs and _refs(runs) == [run.number]
    with in_tenant(aporg.tenant):
        Invoice.objects.filter(invoice_number="INV-SOD-1").update(approved_by=aporg.apmanager)
    _browser, html = _home(aporg.tenant, aporg.apmanager)
    assert _group(html, "payment_runs") is None
    _browser, html = _home(aporg.tenant, aporg.apmanager2)
    runs = _group(html, "payment_runs")
    assert runs and _refs(runs) == [run.number]


def test_notices_name_only_records_the_reader_may_see(
    aporg: Any, make_user: Any, in_tenant: Any
) -> None:
    colleague = make_user(aporg.tenant, "colleague", ["requester"])
    with in_tenant(aporg.tenant), transaction.atomic():
        theirs = world.draft(colleague, "320.00", title="Private matter")
        mine = world.draft(aporg.org.requester, "320.00", title="Desk lamps")
        hidden = Notification.objects.create(
            user=aporg.org.requester,
            kind="requisition.note",
            subject_type="requisition",
            subject_id=str(theirs.pk),
            message="A colleague commented.",
        )
        shown = Notification.objects.create(
            user=aporg.org.requester,
            kind="requisition.note",
            subject_type="requisition",
            subject_id=str(mine.pk),
            message="A colleague commented.",
        )
    _browser, html = _home(aporg.tenant, aporg.org.requester)
    first = re.search(rf'id="notice-{hidden.pk}">.*?</li>', html, re.S)
    second = re.search(rf'id="notice-{shown.pk}">.*?</li>', html, re.S)
    assert first and theirs.number not in first[0] and "Private matter" not in first[0]
    assert second and f"{mine.number} · Desk lamps" in second[0]


def test_a_notice_names_an_order_without_a_supplier(aporg: Any, in_tenant: Any) -> None:
    """An order whose supplier is not (or no longer) set is named by what was asked for."""
    from apps.procurement.models import PurchaseOrder
    from tests.invoices.conftest import make_order

    with in_tenant(aporg.tenant), transaction.atomic():
        order = make_order(aporg, [("Chairs", "2", "150.00")])
        PurchaseOrder.objects.filter(pk=order.pk).update(supplier=None)
        notice = Notification.objects.create(
            user=aporg.buyer,
            kind="purchase_order.note",
            subject_type="purchase_order",
            subject_id=str(order.pk),
            message="The supplier asked a question.",
        )
    _browser, html = _home(aporg.tenant, aporg.buyer)
    named = re.search(rf'id="notice-{notice.pk}">.*?</li>', html, re.S)
    assert named and f"{order.number} · Test order</a>" in named[0]
