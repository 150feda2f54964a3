"""An approved requisition that names no supplier rests in `approved` until a buyer chooses
one (`requisitions/{id}/source/`); the policy is asked again with that supplier."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.procurement.models import PurchaseOrder
from apps.suppliers.models import Supplier
from tests.org import Org, budget_of, requisition_body, supplier_for

pytestmark = pytest.mark.django_db


def _approved(org: Org, api_for: Any, total: str = "800.00") -> dict[str, Any]:
    api = api_for(org.tenant, org.requester)
    draft = api.post("/api/v1/requisitions/", requisition_body(total=total), format="json").json()
    submitted = api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert submitted["status"] == "approved" and submitted["supplier"] is None
    return submitted


def _supplier(org: Org, in_tenant: Any, name: str, **fields: Any) -> str:
    with in_tenant(org.tenant):
        supplier = Supplier.objects.create(
            name=name,
            country="US",
            status=fields.pop("status", Supplier.Status.APPROVED),
            screening=Supplier.Screening.CLEAR,
            **fields,
        )
    return str(supplier.pk)


def _source(api: Any, requisition_id: str, supplier: str | None) -> Any:
    return api.post(
        f"/api/v1/requisitions/{requisition_id}/source/", {"supplier": supplier}, format="json"
    )


def test_an_approved_requisition_without_supplier_waits_and_a_buyer_orders_it(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    requisition = _approved(org, api_for)
    buyer = api_for(org.tenant, org.buyer)
    assert buyer.get(f"/api/v1/purchase-orders/?requisition={requisition['id']}").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    # held, not yet spent, while it waits
    budget = budget_of(org.tenant, in_tenant)
    assert budget.committed == Decimal("800.00") and budget.actual == 0
    assert buyer.get("/api/v1/requisitions/?status=approved").json()["count"] == 1

    supplier = supplier_for(org, in_tenant)
    sourced = _source(buyer, requisition["id"], supplier)
    assert sourced.status_code == 200, sourced.content
    assert sourced.json()["status"] == "ordered" and sourced.json()["supplier"] == supplier
    (order,) = buyer.get(f"/api/v1/purchase-orders/?requisition={requisition['id']}").json()[
        "results"
    ]
    assert order["supplier"] == supplier and order["number"].startswith("PO-US01-")
    budget = budget_of(org.tenant, in_tenant)
    assert budget.committed == 0 and budget.actual == Decimal("800.00")
    with in_tenant(org.tenant):
        assert PurchaseOrder.objects.get(pk=order["id"]).buyer_id == org.buyer.pk
        event = AuditEvent.objects.get(action="requisition.sourced", subject_id=requisition["id"])
        assert event.actor == org.buyer.email and event.after == {
            "supplier": "Northwind Office Supply"
        }
        assert event.data["rerouted"] is False

    again = _source(buyer, requisition["id"], supplier)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert requisition["number"] in again.json()["detail"]


def test_a_supplier_that_changes_the_route_sends_it_back_for_approval(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    """800 without a supplier is approved at once (not high-risk); from a high-risk supplier
    the same policy wants the cost center's manager, so that is where it goes, not to an
    order nobody approved."""
    requisition = _approved(org, api_for)
    risky = _supplier(org, in_tenant, "Risky Trading Ltd", risk_tier=Supplier.Risk.HIGH)
    buyer = api_for(org.tenant, org.buyer)
    sourced = _source(buyer, requisition["id"], risky)
    assert sourced.status_code == 200, sourced.content
    body = sourced.json()
    assert body["status"] == "pending_approval" and body["supplier"] == risky
    (step,) = body["approval"]["steps"]
    assert step["status"] == "open" and step["approvers"] == [org.manager.email]
    assert not buyer.get(f"/api/v1/purchase-orders/?requisition={requisition['id']}").json()[
        "count"
    ]
    with in_tenant(org.tenant):
        event = AuditEvent.objects.get(action="requisition.sourced", subject_id=requisition["id"])
        assert event.data["rerouted"] is True and event.data["route"]["rule"] == (
            "cost-center-manager"
        )

    manager = api_for(org.tenant, org.manager)
    (task,) = manager.get("/api/v1/tasks/?status=open").json()["results"]
    assert task["subject_id"] == requisition["id"]
    manager.post(f"/api/v1/tasks/{task['id']}/approve/", {}, format="json")
    (order,) = buyer.get(f"/api/v1/purchase-orders/?requisition={requisition['id']}").json()[
        "results"
    ]
    assert order["supplier"] == risky
    assert budget_of(org.tenant, in_tenant).actual == Decimal("800.00")


def test_a_rejected_reroute_releases_the_budget(org: Org, api_for: Any, in_tenant: Any) -> None:
    requisition = _approved(org, api_for)
    risky = _supplier(org, in_tenant, "Risky Trading Ltd", risk_tier=Supplier.Risk.HIGH)
    _source(api_for(org.tenant, org.buyer), requisition["id"], risky)
    manager = api_for(org.tenant, org.manager)
    (task,) = manager.get("/api/v1/tasks/?status=open").json()["results"]
    manager.post(f"/api/v1/tasks/{task['id']}/reject/", {"comment": "Not them"}, format="json")
    requester = api_for(org.tenant, org.requester)
    assert requester.get(f"/api/v1/requisitions/{requisition['id']}/").json()["status"] == (
        "rejected"
    )
    assert budget_of(org.tenant, in_tenant).committed == 0


def test_suppliers_that_may_not_receive_orders_are_refused_in_words(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    requisition = _approved(org, api_for)
    buyer = api_for(org.tenant, org.buyer)
    blocked = _supplier(org, in_tenant, "Blocked Corp", status=Supplier.Status.BLOCKED)
    refused = _source(buyer, requisition["id"], blocked)
    assert refused.status_code == 409 and refused.json()["code"] == "supplier_not_selectable"
    assert refused.json()["detail"] == (
        "Blocked Corp is blocked: no requisition or order may name it."
    )
    onboarding = _supplier(org, in_tenant, "Litware Ltd", status=Supplier.Status.ONBOARDING)
    refused = _source(buyer, requisition["id"], onboarding)
    assert refused.status_code == 409 and refused.json()["code"] == "supplier_not_selectable"
    assert refused.json()["detail"] == (
        "Litware Ltd is still onboarding: no requisition or order may name it."
    )
    lapsed = _supplier(
        org, in_tenant, "Lapsed Insurance LLC", compliance=Supplier.Compliance.NON_COMPLIANT
    )
    refused = _source(buyer, requisition["id"], lapsed)
    assert refused.status_code == 409 and refused.json()["code"] == "supplier_not_selectable"
    assert "Lapsed Insurance LLC is non-compliant" in refused.json()["detail"]
    unknown = _source(buyer, requisition["id"], "6f1c0b7e-0000-4000-8000-000000000000")
    assert unknown.status_code == 422 and unknown.json()["errors"] == {
        "supplier": ["Unknown supplier."]
    }
    missing = buyer.post(f"/api/v1/requisitions/{requisition['id']}/source/", {}, format="json")
    assert missing.status_code == 400 and "supplier" in missing.json()["errors"]
    requester = api_for(org.tenant, org.requester)
    body = requester.get(f"/api/v1/requisitions/{requisition['id']}/").json()
    assert body["status"] == "approved" and body["supplier"] is None  # nothing half-done
    with in_tenant(org.tenant):
        assert not AuditEvent.objects.filter(action="requisition.sourced").exists()


def test_a_buyer_does_not_choose_the_supplier_of_their_own_requisition(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    buyer = api_for(org.tenant, org.buyer)
    draft = buyer.post("/api/v1/requisitions/", requisition_body(total="800.00"), format="json")
    submitted = buyer.post(f"/api/v1/requisitions/{draft.json()['id']}/submit/").json()
    assert submitted["status"] == "approved"
    refused = _source(buyer, submitted["id"], supplier_for(org, in_tenant))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "yourself" in refused.json()["detail"]


def test_the_requester_may_cancel_while_it_waits(org: Org, api_for: Any, in_tenant: Any) -> None:
    requisition = _approved(org, api_for)
    requester = api_for(org.tenant, org.requester)
    cancelled = requester.post(f"/api/v1/requisitions/{requisition['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert budget_of(org.tenant, in_tenant).committed == 0
    late = _source(api_for(org.tenant, org.buyer), requisition["id"], supplier_for(org, in_tenant))
    assert late.status_code == 409 and late.json()["code"] == "invalid_transition"
