"""`contracts/` and the requisition's `contract` over HTTP: who may register, the approval of
a large contract, amendments with their reason, the signed document, `409
contract_not_applicable` with the condition, query counts, and the register's pages."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve
from tests.conftest import count_queries, host_of
from tests.org import Org, requisition_body, supplier_for
from tests.pdfs import ACTIVE

pytestmark = pytest.mark.django_db


def body(supplier: str, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "number": "CT-API-1",
        "title": "Laptops framework",
        "supplier": supplier,
        "legal_entities": ["US01"],
        "spend_categories": ["IT-HW"],
        "starts_on": str(today - timedelta(days=1)),
        "ends_on": str(today + timedelta(days=364)),
        "notice_days": 60,
        "value_cap": "25000.00",
        "currency": "USD",
        **extra,
    }


def pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_register_activate_amend_and_link(org: Org, in_tenant: Any, api_for: Any) -> None:
    supplier = supplier_for(org, in_tenant)
    buyer, requester = api_for(org.tenant, org.buyer), api_for(org.tenant, org.requester)
    assert requester.post("/api/v1/contracts/", body(supplier), format="json").status_code == 403
    assert requester.get("/api/v1/contracts/").status_code == 403
    created = buyer.post("/api/v1/contracts/", body(supplier), format="json")
    assert created.status_code == 201, created.content
    contract = created.json()
    assert contract["status"] == "draft" and contract["owner"] == org.buyer.email
    assert (contract["committed"], contract["invoiced"], contract["remaining"]) == (
        "0.00",
        "0.00",
        "25000.00",
    )
    again = buyer.post("/api/v1/contracts/", body(supplier), format="json")
    assert again.status_code == 422 and "number" in again.json()["errors"]
    bad = buyer.post(
        "/api/v1/contracts/",
        body(supplier, number="CT-X", ends_on="2000-01-01", spend_categories=["NOPE"]),
        format="json",
    )
    assert bad.status_code == 422 and "spend_categories" in bad.json()["errors"]
    # a draft links nothing: 409 naming the condition
    refused = requester.post(
        "/api/v1/requisitions/", requisition_body(contract=contract["id"]), format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "contract_not_applicable"
    assert refused.json()["condition"] == "status"
    active = buyer.post(f"/api/v1/contracts/{contract['id']}/activate/").json()
    assert active["status"] == "active"
    # an active contract is amended with a reason, kept in its history
    no_reason = buyer.patch(
        f"/api/v1/contracts/{contract['id']}/", {"value_cap": "30000"}, format="json"
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    amended = buyer.patch(
        f"/api/v1/contracts/{contract['id']}/",
        {"value_cap": "30000", "reason": "Second wave of hires"},
        format="json",
    ).json()
    assert amended["value_cap"] == "30000.00"
    (amendment,) = amended["amendments"]
    assert amendment["reason"] == "Second wave of hires"
    assert amendment["changes"]["value_cap"] == ["25000.00", "30000.00"]
    supplier_change = buyer.patch(
        f"/api/v1/contracts/{contract['id']}/",
        {"currency": "EUR", "reason": "x"},
        format="json",
    )
    assert supplier_change.status_code == 409
    # the requisition links it by id and is on contract
    draft = requester.post(
        "/api/v1/requisitions/", requisition_body(contract=contract["id"]), format="json"
    ).json()
    assert draft["contract"] == contract["id"] and draft["supplier"] == supplier
    submitted = requester.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert submitted["on_contract"] is True and submitted["status"] == "ordered"
    detail = buyer.get(f"/api/v1/contracts/{contract['id']}/").json()
    assert (detail["committed"], detail["remaining"]) == ("500.00", "29500.00")
    # signed document: checked by content
    refused_file = buyer.post(
        f"/api/v1/contracts/{contract['id']}/document/",
        {"file": io.BytesIO(b"MZ not a pdf")},
        format="multipart",
    )
    assert refused_file.status_code == 415
    active = buyer.post(
        f"/api/v1/contracts/{contract['id']}/document/",
        {"file": ("signed.pdf", io.BytesIO(ACTIVE["launch"][0]))},
        format="multipart",
    )
    assert active.status_code == 422 and active.json()["code"] == "active_pdf"
    assert "launch action" in active.json()["detail"]
    assert buyer.get(f"/api/v1/contracts/{contract['id']}/").json()["document"] is None
    stored = buyer.post(
        f"/api/v1/contracts/{contract['id']}/document/",
        {"file": ("signed.pdf", io.BytesIO(pdf()))},
        format="multipart",
    )
    stored_file = io.BytesIO(pdf())
    stored_file.name = "signed.pdf"
    stored = buyer.post(
        f"/api/v1/contracts/{contract['id']}/document/", {"file": stored_file}, format="multipart"
    )
    assert stored.status_code == 200, stored.content
    assert stored.json()["document"]["name"] == "signed.pdf"
    terminated = buyer.post(
        f"/api/v1/contracts/{contract['id']}/terminate/", {"reason": "Supplier exit"}, format="json"
    ).json()
    assert terminated["status"] == "terminated"


def test_a_contract_above_the_threshold_is_approved_before_it_is_active(
    org: Org, in_tenant: Any, api_for: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    buyer = api_for(org.tenant, org.buyer)
    contract = buyer.post(
        "/api/v1/contracts/", body(supplier, value_cap="250000"), format="json"
    ).json()
    pending = buyer.post(f"/api/v1/contracts/{contract['id']}/activate/").json()
    assert pending["status"] == "pending_approval"
    # asking again does not skip the route
    again = buyer.post(f"/api/v1/contracts/{contract['id']}/activate/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    manager = api_for(org.tenant, org.manager)
    (task,) = manager.get("/api/v1/tasks/?status=open").json()["results"]
    assert task["subject_type"] == "contract" and task["subject_id"] == contract["id"]
    inbox = Client(HTTP_HOST=host_of(org.tenant))
    inbox.force_login(org.manager)
    tasks_page = inbox.get("/tasks/").content.decode()
    assert f'href="/contracts/{contract["id"]}/"' in tasks_page and "CT-API-1" in tasks_page
    with in_tenant(org.tenant):
        task = ApprovalTask.objects.get(step__route__subject_id=contract["id"], status="open")
        assert task.assignee == org.manager
        task_approve(actor=org.manager, task_id=task.pk)
    assert buyer.get(f"/api/v1/contracts/{contract['id']}/").json()["status"] == "active"


def test_contract_list_queries_stay_flat_and_the_pages_answer(
    org: Org, in_tenant: Any, api_for: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    buyer = api_for(org.tenant, org.buyer)

    def add(n: int, start: int) -> None:
        for i in range(n):
            made = buyer.post(
                "/api/v1/contracts/", body(supplier, number=f"CT-{start + i}"), format="json"
            )
            assert made.status_code == 201

    add(2, 0)
    few = count_queries(lambda: buyer.get("/api/v1/contracts/"))
    add(12, 100)
    many = count_queries(lambda: buyer.get("/api/v1/contracts/"))
    assert many == few
    browser = Client(HTTP_HOST=host_of(org.tenant))
    browser.force_login(org.buyer)
    page = browser.get("/contracts/")
    assert page.status_code == 200 and b"CT-100" in page.content
    few_page = count_queries(lambda: browser.get("/contracts/"))
    add(5, 200)
    assert count_queries(lambda: browser.get("/contracts/")) == few_page
    spend = buyer.get("/api/v1/contracts/spend/").json()
    assert set(spend) >= {"period", "by_category", "by_supplier", "totals"}
    for wrong in ("from=2026-02-30", "to=yesterday", "from=2026-2-1"):
        refused = buyer.get(f"/api/v1/contracts/spend/?{wrong}")
        assert refused.status_code == 400, wrong
        name = wrong.split("=")[0]
        assert refused.json()["code"] == "invalid_parameter" and name in refused.json()["errors"]
    window = buyer.get("/api/v1/contracts/spend/?from=2026-02-28&to=2026-03-31").json()
    assert window["period"] == {"from": "2026-02-28", "to": "2026-03-31"}
    browser.force_login(org.requester)
    assert browser.get("/contracts/").status_code == 403


def test_the_pages_refuse_a_made_up_supplier_or_contract_in_words(org: Org, in_tenant: Any) -> None:
    browser = Client(HTTP_HOST=host_of(org.tenant))
    with in_tenant(org.tenant):
        browser.force_login(org.buyer)
    assert browser.get("/contracts/new/").status_code == 200
    page = browser.post("/contracts/new/", {"number": "CT-X", "supplier": "not-an-id"})
    assert page.status_code == 200 and "Unknown supplier." in page.content.decode()
    with in_tenant(org.tenant):
        browser.force_login(org.requester)
    form = {
        "title": "Chairs",
        "cost_center": "CC-100",
        "spend_category": "FAC",
        "legal_entity": "US01",
        "currency": "USD",
        "contract": "not-an-id",
        "line_description": "Chair",
        "line_quantity": "1",
        "line_unit_price": "100",
        "save": "1",
    }
    page = browser.post("/requisitions/new/", form)
    assert page.status_code == 200 and "Unknown contract." in page.content.decode()
    with in_tenant(org.tenant):
        from apps.procurement.models import Requisition

        assert not Requisition.objects.exists()


def test_a_buyer_registers_activates_amends_and_imports_on_the_pages(
    org: Org, in_tenant: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.contracts.models import CatalogItem, Contract

    supplier = supplier_for(org, in_tenant)
    browser = Client(HTTP_HOST=host_of(org.tenant))
    with in_tenant(org.tenant):
        browser.force_login(org.buyer)
    today = timezone.localdate()
    made = browser.post(
        "/contracts/new/",
        {
            "number": "CT-PAGE",
            "title": "Office supplies",
            "supplier": supplier,
            "currency": "USD",
            "legal_entities": ["US01"],
            "spend_categories": ["FAC"],
            "starts_on": str(today),
            "ends_on": str(today + timedelta(days=90)),
            "value_cap": "5000",
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    page_url = made["Location"]
    detail = browser.get(page_url)
    assert detail.status_code == 200 and 'value="CT-PAGE"' in detail.content.decode()
    browser.post(page_url, {"action": "activate"})
    amend = {
        "action": "amend",
        "number": "CT-PAGE",
        "title": "Office supplies",
        "legal_entities": ["US01", "DE01"],
        "spend_categories": ["FAC"],
        "value_cap": "7500",
        "reason": "German office joins",
    }
    browser.post(page_url, amend)
    csv = (
        "contract,sku,description,unit,unit_price,currency,spend_category\n"
        "CT-PAGE,TN,Toner,each,62,USD,FAC\n"
    )
    browser.post(page_url, {"action": "import", "file": SimpleUploadedFile("c.csv", csv.encode())})
    with in_tenant(org.tenant):
        contract = Contract.objects.get(number="CT-PAGE")
        assert contract.status == "active" and contract.value_cap == 7500
        assert sorted(e.code for e in contract.legal_entities.all()) == ["DE01", "US01"]
        (amendment,) = contract.amendments.all()
        assert amendment.reason == "German office joins"
        assert CatalogItem.objects.filter(contract=contract, sku="TN").exists()
    shown = browser.get(page_url).content.decode()
    assert "German office joins" in shown and "Toner" in shown


def test_a_contract_number_with_invisible_characters_or_a_made_up_currency_is_refused(
    org: Org, in_tenant: Any
) -> None:
    from apps.contracts.models import Contract
    from apps.controls.refusals import ValidationFailed

    from .conftest import register_contract

    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        for extra, field in (
            ({"number": "CT-\u2066001"}, "number"),  # a left-to-right isolate
            ({"currency": "ZZZ"}, "currency"),
            ({"currency": "usd"}, "currency"),
        ):
            with pytest.raises(ValidationFailed) as refused:
                register_contract(org.buyer, supplier, activate=False, **extra)
            assert field in (refused.value.errors or {}), extra
        assert not Contract.objects.exists()
