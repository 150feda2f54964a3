"""Each role's home leads to its work with counts, notices link to their subject and leave
once done or dismissed, and a new tenant's admin sees what to set up first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as BrowserClient

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


def _card(html: str, key: str) -> tuple[int, str]:
    found = re.search(
        rf'data-work="{key}"><a href="([^"]+)"><strong class="count">(\d+)</strong>', html
    )
    assert found, f"no {key} card"
    return int(found.group(2)), found.group(1).replace("&amp;", "&")


def test_the_receiver_is_led_to_orders_due_for_receipt(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    from tests.invoices.conftest import make_order

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Dock", "2", "150.00")])
    browser, html = _home(aporg.tenant, aporg.receiver)
    count, url = _card(html, "receipts")
    assert (count, url) == (1, "/purchase-orders/?status=open")
    assert order.number in browser.get(url).text
    with in_tenant(aporg.tenant):
        receive(aporg, order, {1: "2"})
    assert _card(_home(aporg.tenant, aporg.receiver)[1], "receipts")[0] == 0


def test_ap_is_led_to_its_exception_queues(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        exception = world.price_exception(aporg, receive, "HOME-1")
        world.due_past(exception)
    browser, html = _home(aporg.tenant, aporg.clerk)
    count, url = _card(html, "exceptions")
    assert count >= 1 and url == "/exceptions/?status=open"
    assert "overdue or escalated" in html
    assert f'href="/exceptions/?status=open&amp;queue={exception.queue}"' in html
    assert exception.invoice.invoice_number in browser.get(url).text


def test_an_overdue_escalated_task_is_one_urgent_task(aporg: Any, in_tenant: Any) -> None:
    from django.utils import timezone

    from apps.workflow.models import ApprovalStep

    with in_tenant(aporg.tenant), transaction.atomic():
        _requisition, task = world.pending(aporg.org.requester)
        ApprovalStep.objects.filter(pk=task.step_id).update(
            due_at=timezone.now() - timezone.timedelta(hours=2), escalated_at=timezone.now()
        )
        approver = task.assignee
    _browser, html = _home(aporg.tenant, approver)
    assert _card(html, "tasks") == (1, "/tasks/")
    urgent = re.search(r'data-work="tasks">.*?<span class="pill rejected">(\d+) ', html, re.S)
    assert urgent and urgent.group(1) == "1"


def test_the_ap_manager_is_led_to_payment_runs(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        world.proposed_run(aporg, receive, "HOME-2")
    _browser, html = _home(aporg.tenant, aporg.apmanager)
    assert _card(html, "payment_runs") == (1, "/payments/")
    assert 'data-menu="payments"' in html  # and the menu leads there too


def test_compliance_is_led_to_screening_and_bank_changes(aporg: Any, in_tenant: Any) -> None:
    from tests.invoices.conftest import add_bank_account

    with in_tenant(aporg.tenant):
        add_bank_account(aporg.supplier, status="pending_verification")
    _browser, html = _home(aporg.tenant, aporg.compliance)
    assert _card(html, "screening")[1] == "/suppliers/screening/"
    assert _card(html, "bank_approvals")[0] == 0  # no call-back yet: AP's turn first
    _browser, html = _home(aporg.tenant, aporg.clerk)
    count, url = _card(html, "callbacks")
    assert count == 1 and aporg.supplier.name in _browser.get(url).text


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
    assert f'id="notice-{reminder.pk}"' in html and 'href="/tasks/">Reminder' in html
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
    from apps.invoices.services.outcome import invoices_match

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
    assert _card(html, "packs") == (0, "/audit/#packs")  # the auditor's home leads to its packs
    page = audit.get("/audit/").text
    assert 'data-testid="packs-pending"' in page and "POLL-1" in page  # named, not an id
    with in_tenant(aporg.tenant):
        type(pack).objects.filter(pk=pack.pk).update(status="ready", title="POLL-1 pack")
    assert 'data-testid="packs-pending"' not in audit.get("/audit/").text
    assert _card(audit.get("/").text, "packs")[0] == 1


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
