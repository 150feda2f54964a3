"""The portal pages of requisition to purchase order, as each role uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as BrowserClient

from apps.procurement.models import PurchaseOrder, Requisition
from tests.conftest import PASSWORD, count_queries
from tests.org import Org, requisition_body, supplier_for

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    return browser


def _form(title: str, lines: list[tuple[str, str, str]], **extra: str) -> dict[str, Any]:
    return {
        "title": title,
        "currency": "USD",
        "cost_center": "CC-100",
        "spend_category": "IT-HW",
        "legal_entity": "US01",
        "supplier": "",
        "justification": "",
        "contract_reference": "",
        "need_by": "",
        "line_description": [d for d, _, _ in lines],
        "line_quantity": [q for _, q, _ in lines],
        "line_unit_price": [p for _, _, p in lines],
        **extra,
    }


def test_requester_creates_and_submits_then_manager_approves_in_the_inbox(
    org: Org, in_tenant: Any
) -> None:
    requester = signed_in(org.requester)
    page = requester.get("/requisitions/new/")
    assert page.status_code == 200 and b"Alpha Purchasing" in page.content
    totals = requester.post(
        "/requisitions/new/totals/", _form("x", [("Desk", "2", "1500.50"), ("Chair", "3", "10")])
    )
    assert b"3,031.00 USD" in totals.content
    created = requester.post(
        "/requisitions/new/", _form("Office furniture", [("Desk", "2", "1500.50")], submit="1")
    )
    assert created.status_code == 302
    with in_tenant(org.tenant):
        requisition = Requisition.objects.get(title="Office furniture")
    assert requisition.status == "pending_approval" and requisition.total == 3001
    detail = requester.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert (
        "cost-center-manager" in detail
        and org.manager.email in detail
        and "Requisition submitted" in detail
    )

    manager = signed_in(org.manager)
    inbox = manager.get("/tasks/").content.decode()
    assert requisition.number in inbox and "Budget left" in inbox
    with in_tenant(org.tenant):
        task = requisition_task(requisition)
    # the requisition page sends its approver to decide (on a phone too)
    decide = f'href="/tasks/#task-{task.pk}" data-testid="decide"'
    assert decide in manager.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert decide not in detail  # not the requester's to decide
    row = manager.post(f"/tasks/{task.pk}/approve/", {"comment": "fine"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and b"Approved" in row.content
    assert "Approved" in json.loads(row["HX-Trigger"])["feedback"]  # said in the live region
    assert b'data-testid="awaits-supplier"' in row.content
    with in_tenant(org.tenant):
        requisition.refresh_from_db()
    assert requisition.status == "approved"  # it names no supplier: a buyer chooses one

    # the buyer's home leads to it; the requester sees it waiting but cannot choose
    buyer = signed_in(org.buyer)
    home = buyer.get("/").content.decode()
    assert "1 approved requisition waiting for a supplier" in home
    assert "/requisitions/?status=approved" in home
    waiting = requester.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert 'data-testid="awaits-supplier"' in waiting and 'data-testid="source"' not in waiting
    supplier = supplier_for(org, in_tenant)
    page = buyer.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert 'data-testid="source"' in page and "Northwind Office Supply" in page
    missing = buyer.post(f"/requisitions/{requisition.pk}/source/", {"supplier": ""}, follow=True)
    assert "Choose a supplier." in missing.content.decode()
    sourced = buyer.post(
        f"/requisitions/{requisition.pk}/source/", {"supplier": supplier}, follow=True
    ).content.decode()
    with in_tenant(org.tenant):
        requisition.refresh_from_db()
        order = PurchaseOrder.objects.get(requisition=requisition)
    assert requisition.status == "ordered" and order.buyer_id == org.buyer.pk
    assert f"{order.number} issued to Northwind Office Supply" in sourced
    assert order.number.encode() in buyer.get("/purchase-orders/").content
    assert b"Desk" in buyer.get(f"/purchase-orders/{order.pk}/").content


def requisition_task(requisition: Requisition) -> Any:
    from apps.workflow.models import ApprovalTask

    return ApprovalTask.objects.get(subject_id=str(requisition.pk), status="open")


def test_reject_without_comment_shows_the_refusal_in_the_row(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = api.post(
        "/api/v1/requisitions/", requisition_body(total="5000.00"), format="json"
    ).json()
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    with in_tenant(org.tenant):
        task = requisition_task(Requisition.objects.get(pk=draft["id"]))
    row = signed_in(org.manager).post(
        f"/tasks/{task.pk}/reject/",
        {"comment": "", "confirmation": "given"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200 and b"Say why you reject it" in row.content
    assert "HX-Trigger" not in row  # the refusal is in the row, not announced as done
    with in_tenant(org.tenant):
        task.refresh_from_db()
    assert task.status == "open"


def test_bad_form_input_is_shown_and_nothing_is_saved(org: Org, in_tenant: Any) -> None:
    requester = signed_in(org.requester)
    response = requester.post("/requisitions/new/", _form("Broken", [("Desk", "-1", "abc")]))
    assert response.status_code == 200 and b"errorlist" in response.content
    with in_tenant(org.tenant):
        assert not Requisition.objects.filter(title="Broken").exists()


def test_requester_withdraws_from_the_detail_page(org: Org, api_for: Any, in_tenant: Any) -> None:
    api = api_for(org.tenant, org.requester)
    draft = api.post(
        "/api/v1/requisitions/", requisition_body(total="5000.00"), format="json"
    ).json()
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    requester = signed_in(org.requester)
    assert requester.post(f"/requisitions/{draft['id']}/withdraw/").status_code == 302
    with in_tenant(org.tenant):
        assert Requisition.objects.get(pk=draft["id"]).status == "draft"
    other = signed_in(org.buyer)
    other.post(f"/requisitions/{draft['id']}/cancel/", {"confirmation": "given"})
    with in_tenant(org.tenant):
        assert (
            Requisition.objects.get(pk=draft["id"]).status == "draft"
        )  # only the requester may cancel


def test_list_pages_query_counts_are_flat(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    pages = [
        (signed_in(org.requester), "/requisitions/"),
        (signed_in(org.manager), "/tasks/"),
        (signed_in(org.buyer), "/purchase-orders/"),
    ]

    def make(n: int) -> None:
        for total in ["5000.00"] * n + ["10.00"] * n:
            draft = api.post(
                "/api/v1/requisitions/", requisition_body(total=total), format="json"
            ).json()
            api.post(f"/api/v1/requisitions/{draft['id']}/submit/")

    make(1)
    few = [count_queries(lambda c=c, u=u: c.get(u)) for c, u in pages]
    make(5)
    assert [count_queries(lambda c=c, u=u: c.get(u)) for c, u in pages] == few


def test_a_policy_draft_that_is_not_json_is_drawn_again_with_the_reason(
    org: Org, in_tenant: Any
) -> None:
    """The editor's text that is not JSON is refused like a bad document: the draft page comes
    back with the reason at the document and the draft keeps what it had."""
    from apps.policies.models import PolicyVersion

    admin = signed_in(org.admin)
    assert admin.post("/settings/policies/new/", {"from": "1"}).status_code == 302
    with in_tenant(org.tenant):
        before = PolicyVersion.objects.get(number=2).document
    bad = admin.post("/settings/policies/2/", {"document": "{not json", "save": "1"})
    assert bad.status_code == 200 and b"Not valid JSON" in bad.content
    assert b"{not json" in bad.content  # what was typed stays in the editor
    with in_tenant(org.tenant):
        assert PolicyVersion.objects.get(number=2).document == before


def test_policy_pages_for_admins_only(org: Org, api_for: Any) -> None:
    admin = signed_in(org.admin)
    listing = admin.get("/settings/policies/")
    assert listing.status_code == 200 and b"no_self_approval" in listing.content
    created = admin.post("/settings/policies/new/", {"from": "1"})
    assert created.status_code == 302 and created["Location"].endswith("/settings/policies/2/")
    editor = admin.get("/settings/policies/2/")
    assert editor.status_code == 200 and b"auto-approve-small" in editor.content
    check = admin.post("/settings/policies/validate/", {"document": "{not json"})
    assert b"Not valid JSON" in check.content
    bad = admin.post("/settings/policies/2/", {"document": '{"rules": []}', "save": "1"})
    assert bad.status_code == 200 and b"at least one rule" in bad.content
    assert admin.get("/settings/policies/2/impact/").status_code == 200
    assert b"No differences" in admin.get("/settings/policies/diff/?from=1&to=2").content
    assert signed_in(org.requester).get("/settings/policies/").status_code == 403
    assert signed_in(org.manager).get("/settings/policies/2/").status_code == 403


def test_a_line_priced_0_is_taken_on_the_page_only_when_marked_free_of_charge(
    org: Org, in_tenant: Any
) -> None:
    requester = signed_in(org.requester)
    lines = [("Toner", "1", "50"), ("Sample stand", "1", "0")]
    refused = requester.post("/requisitions/new/", _form("With a sample", lines))
    assert refused.status_code == 200 and "free of charge" in refused.content.decode()
    created = requester.post(
        "/requisitions/new/", _form("With a sample", lines, line_free_of_charge=["", "1"])
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    with in_tenant(org.tenant):
        requisition = Requisition.objects.get(title="With a sample")
        assert [(line.unit_price, line.free_of_charge) for line in requisition.lines.all()] == [
            (50, False),
            (0, True),
        ]
