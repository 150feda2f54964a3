"""Requisition to purchase order over the API: routing, approvals, budgets, controls."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.events.models import OutboxEvent
from tests.conftest import count_queries
from tests.org import Org, budget_of, requisition_body, supplier_for

pytestmark = pytest.mark.django_db


def _create(api: Any, **kwargs: Any) -> dict[str, Any]:
    response = api.post("/api/v1/requisitions/", requisition_body(**kwargs), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_small_requisition_is_approved_automatically_and_ordered(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="800.00", supplier=supplier_for(org, in_tenant))
    assert draft["status"] == "draft" and draft["total"] == "800.00"
    submitted = api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert submitted["status"] == "ordered"
    assert submitted["approval"]["policy_version"] == "v1" and submitted["approval"]["steps"] == []
    orders = (
        api_for(org.tenant, org.buyer)
        .get(f"/api/v1/purchase-orders/?requisition={draft['id']}")
        .json()
    )
    (order,) = orders["results"]
    assert order["status"] == "issued" and order["number"].startswith("PO-US01-")
    assert order["lines"][0]["description"] == "Laptop" and order["lines"][0]["id"]
    budget = budget_of(org.tenant, in_tenant)
    assert budget.actual == Decimal("800.00") and budget.committed == 0
    with in_tenant(org.tenant):
        events = set(OutboxEvent.objects.values_list("event_type", flat=True))
        assert {"requisition.submitted", "requisition.approved", "purchase_order.issued"} <= events
        approved = AuditEvent.objects.get(action="requisition.approved", subject_id=draft["id"])
        assert approved.policy_version == "v1" and approved.actor == "system:policy"


def test_mid_size_requisition_goes_to_the_cost_center_manager(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="5000.00", supplier=supplier_for(org, in_tenant))
    submitted = api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert submitted["status"] == "pending_approval"
    (step,) = submitted["approval"]["steps"]
    assert (
        step["sequence"] == 1
        and step["status"] == "open"
        and step["approvers"] == [org.manager.email]
    )
    assert budget_of(org.tenant, in_tenant).committed == Decimal("5000.00")

    manager_api = api_for(org.tenant, org.manager)
    (task,) = manager_api.get("/api/v1/tasks/?status=open").json()["results"]
    assert task["subject_type"] == "requisition" and task["subject_id"] == draft["id"]
    assert (
        task["subject"]["total"] == "5000.00"
        and task["subject"]["requester"] == org.requester.email
    )
    assert task["rule"] == "cost-center-manager" and task["policy_version"] == "v1"
    decided = manager_api.post(
        f"/api/v1/tasks/{task['id']}/approve/", {"comment": "ok"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    final = api.get(f"/api/v1/requisitions/{draft['id']}/").json()
    assert final["status"] == "ordered"
    budget = budget_of(org.tenant, in_tenant)
    assert budget.committed == 0 and budget.actual == Decimal("5000.00")


def test_large_requisition_needs_manager_then_finance(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="30000.00", supplier=supplier_for(org, in_tenant))
    steps = api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()["approval"]["steps"]
    assert [s["status"] for s in steps] == ["open", "waiting"]
    assert steps[1]["approvers"] == [org.finance.email]
    manager_api, finance_api = api_for(org.tenant, org.manager), api_for(org.tenant, org.finance)
    assert finance_api.get("/api/v1/tasks/?status=open").json()["count"] == 0
    task = manager_api.get("/api/v1/tasks/?status=open").json()["results"][0]
    manager_api.post(f"/api/v1/tasks/{task['id']}/approve/", {}, format="json")
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "pending_approval"
    task = finance_api.get("/api/v1/tasks/?status=open").json()["results"][0]
    finance_api.post(f"/api/v1/tasks/{task['id']}/approve/", {}, format="json")
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "ordered"


def test_reject_needs_a_comment_and_releases_the_budget(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="5000.00")
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    manager_api = api_for(org.tenant, org.manager)
    task = manager_api.get("/api/v1/tasks/?status=open").json()["results"][0]
    missing = manager_api.post(f"/api/v1/tasks/{task['id']}/reject/", {}, format="json")
    assert missing.status_code == 400 and "comment" in missing.json()["errors"]
    rejected = manager_api.post(
        f"/api/v1/tasks/{task['id']}/reject/", {"comment": "Not this quarter"}, format="json"
    )
    assert rejected.status_code == 200
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "rejected"
    assert budget_of(org.tenant, in_tenant).committed == 0
    with in_tenant(org.tenant):
        assert OutboxEvent.objects.filter(event_type="requisition.rejected").exists()
    again = manager_api.post(f"/api/v1/tasks/{task['id']}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_no_edit_after_submit_withdraw_restarts_the_route(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="5000.00", supplier=supplier_for(org, in_tenant))
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    edit = api.patch(
        f"/api/v1/requisitions/{draft['id']}/",
        {"lines": [{"description": "Laptop", "quantity": "1", "unit_price": "900"}]},
        format="json",
    )
    assert edit.status_code == 409 and edit.json()["code"] == "invalid_transition"
    withdrawn = api.post(f"/api/v1/requisitions/{draft['id']}/withdraw/").json()
    assert withdrawn["status"] == "draft"
    assert budget_of(org.tenant, in_tenant).committed == 0
    assert api_for(org.tenant, org.manager).get("/api/v1/tasks/?status=open").json()["count"] == 0
    edit = api.patch(
        f"/api/v1/requisitions/{draft['id']}/",
        {"lines": [{"description": "Laptop", "quantity": "1", "unit_price": "900"}]},
        format="json",
    )
    assert edit.status_code == 200 and edit.json()["total"] == "900.00"
    assert api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()["status"] == "ordered"


def test_invalid_transitions_are_refused(org: Org, api_for: Any, in_tenant: Any) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="800.00", supplier=supplier_for(org, in_tenant))
    withdraw = api.post(f"/api/v1/requisitions/{draft['id']}/withdraw/")
    assert withdraw.status_code == 409 and withdraw.json()["code"] == "invalid_transition"
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    twice = api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"
    cancel = api.post(f"/api/v1/requisitions/{draft['id']}/cancel/")
    assert cancel.status_code == 409


def test_permission_refusals(org: Org, api_for: Any) -> None:
    receiver = api_for(org.tenant, org.receiver)
    refused = receiver.post("/api/v1/requisitions/", requisition_body(), format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="5000.00")
    other = api_for(org.tenant, org.buyer).post(f"/api/v1/requisitions/{draft['id']}/submit/")
    assert other.status_code == 403 and other.json()["code"] == "permission_denied"
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    task = api_for(org.tenant, org.manager).get("/api/v1/tasks/").json()["results"][0]
    stranger = api_for(org.tenant, org.approver).post(
        f"/api/v1/tasks/{task['id']}/approve/", {}, format="json"
    )
    assert stranger.status_code == 403 and stranger.json()["code"] == "permission_denied"
    assert api.post("/api/v1/tasks/not-a-uuid/approve/", {}, format="json").status_code == 403


def test_requesters_cannot_approve_their_own_requisition(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="5000.00")
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    manager_api = api_for(org.tenant, org.manager)
    task = manager_api.get("/api/v1/tasks/").json()["results"][0]
    handed = manager_api.post(
        f"/api/v1/tasks/{task['id']}/delegate/", {"to": org.requester.email}, format="json"
    )
    # the requester holds no approve capability; give it and it is the SoD rule that refuses
    assert handed.status_code == 422
    from apps.accounts.services import user_ensure
    from apps.tenancy.context import tenant_context
    from tests.conftest import PASSWORD

    with tenant_context(org.tenant):
        user_ensure(
            email=org.requester.email,
            password=PASSWORD,
            roles=["requester", "approver"],
            manager=org.manager,
        )
    handed = manager_api.post(
        f"/api/v1/tasks/{task['id']}/delegate/", {"to": org.requester.email}, format="json"
    )
    assert handed.status_code == 403 and handed.json()["code"] == "sod_violation"
    # the refusal rolled the delegation back but is itself in the audit trail
    with tenant_context(org.tenant):
        refused = AuditEvent.objects.get(action="approval.refused", subject_id=task["id"])
        assert refused.actor == org.manager.email and refused.data["code"] == "sod_violation"


def test_one_person_cannot_decide_two_steps(org: Org, api_for: Any, in_tenant: Any) -> None:
    from apps.accounts.services import user_ensure
    from tests.conftest import PASSWORD

    with in_tenant(org.tenant):
        user_ensure(email=org.manager.email, password=PASSWORD, roles=["manager", "ap_manager"])
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="30000.00", supplier=supplier_for(org, in_tenant))
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    manager_api = api_for(org.tenant, org.manager)
    first = manager_api.get("/api/v1/tasks/?status=open").json()["results"][0]
    assert (
        manager_api.post(f"/api/v1/tasks/{first['id']}/approve/", {}, format="json").status_code
        == 200
    )
    open_tasks = manager_api.get("/api/v1/tasks/?status=open").json()["results"]
    second = next(t for t in open_tasks if t["step"] == 2)
    refused = manager_api.post(f"/api/v1/tasks/{second['id']}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "sod_violation"
    finance_task = (
        api_for(org.tenant, org.finance).get("/api/v1/tasks/?status=open").json()["results"][0]
    )
    assert (
        api_for(org.tenant, org.finance)
        .post(f"/api/v1/tasks/{finance_task['id']}/approve/", {}, format="json")
        .status_code
        == 200
    )
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "ordered"


def test_over_budget_is_blocked_by_the_default_policy(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="300000.00")
    response = api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    assert response.status_code == 409 and response.json()["code"] == "budget_exceeded"
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "draft"
    assert budget_of(org.tenant, in_tenant).committed == 0


def test_foreign_currency_is_converted_for_policy_and_budget(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    draft = _create(api, total="950.00", currency="EUR")  # 1,045 USD: above the auto-approve limit
    submitted = api.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert submitted["status"] == "pending_approval"
    assert submitted["entity_total"] == "1045.00"
    assert budget_of(org.tenant, in_tenant).committed == Decimal("1045.00")


def test_validation_of_requisition_input(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    bad = api.post(
        "/api/v1/requisitions/",
        requisition_body(
            cost_center="CC-999", lines=[{"description": "x", "quantity": "-1", "unit_price": "5"}]
        ),
        format="json",
    )
    assert bad.status_code == 422
    assert {"cost_center", "lines[0].quantity"} <= bad.json()["errors"].keys()
    empty = api.post("/api/v1/requisitions/", requisition_body(lines=[]), format="json")
    assert empty.status_code == 400 and "lines" in empty.json()["errors"]


def test_requesters_see_only_their_own_requisitions(org: Org, api_for: Any, make_user: Any) -> None:
    other = make_user(org.tenant, "other", ["requester"])
    _create(api_for(org.tenant, other), total="10.00")
    mine = _create(api_for(org.tenant, org.requester), total="20.00")
    listed = api_for(org.tenant, org.requester).get("/api/v1/requisitions/").json()
    assert [r["id"] for r in listed["results"]] == [mine["id"]]
    assert api_for(org.tenant, org.buyer).get("/api/v1/requisitions/").json()["count"] == 2


def test_list_and_inbox_query_counts_are_flat(org: Org, api_for: Any) -> None:
    api, manager_api = api_for(org.tenant, org.requester), api_for(org.tenant, org.manager)
    buyer_api = api_for(org.tenant, org.buyer)

    def make(n: int) -> None:
        for _ in range(n):
            draft = _create(api, total="5000.00")
            api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
        small = _create(api, total="10.00")
        api.post(f"/api/v1/requisitions/{small['id']}/submit/")

    pages = (
        (api, "/api/v1/requisitions/"),
        (manager_api, "/api/v1/tasks/"),
        (buyer_api, "/api/v1/purchase-orders/"),
    )

    def measure() -> list[int]:
        return [count_queries(lambda c=c, u=u: c.get(u)) for c, u in pages]

    make(1)
    counts = measure()
    make(6)
    again = measure()
    assert again == counts
    assert manager_api.get("/api/v1/tasks/").json()["count"] == 7


def test_amounts_no_column_keeps_a_made_up_currency_and_an_unexplained_zero_are_refused(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    from apps.controls.refusals import ValidationFailed
    from apps.procurement.models import Requisition
    from apps.procurement.services.requisitions import requisition_create

    api = api_for(org.tenant, org.requester)
    url = "/api/v1/requisitions/"
    huge = [{"description": "Gold", "quantity": "99999999.999", "unit_price": "99999999999.9999"}]
    overflow = api.post(url, requisition_body(lines=huge), format="json")
    assert overflow.status_code == ValidationFailed.status, overflow.content
    assert overflow.json()["code"] == "validation_error"
    assert list(overflow.json()["errors"]) == ["lines[0]"]
    many = [{"description": "Ore", "quantity": "9999999", "unit_price": "9999999.99"}] * 3
    total = api.post(url, requisition_body(lines=many), format="json")
    assert total.status_code == ValidationFailed.status and "lines" in total.json()["errors"]
    for currency in ("ZZZ", "usd", "XTS"):
        made_up = api.post(url, requisition_body(currency=currency), format="json")
        assert made_up.status_code == 400, currency
        assert (
            made_up.json()["code"] == "validation_error" and "currency" in made_up.json()["errors"]
        )
    zero = api.post(url, requisition_body(total="0"), format="json")
    assert zero.status_code == ValidationFailed.status
    assert "free of charge" in zero.json()["errors"]["lines[0].unit_price"][0]
    priced_free = [{"description": "x", "quantity": "1", "unit_price": "5", "free_of_charge": True}]
    mixed = api.post(url, requisition_body(lines=priced_free), format="json")
    assert "lines[0].free_of_charge" in mixed.json()["errors"]
    sample = [{"description": "Sample", "quantity": "2", "unit_price": "0", "free_of_charge": True}]
    free = api.post(url, requisition_body(lines=sample), format="json")
    assert free.status_code == 201, free.content
    assert free.json()["lines"][0]["free_of_charge"] is True and free.json()["total"] == "0.00"
    with in_tenant(org.tenant):
        # the service answers the same to a page or a task: no serializer in between
        with pytest.raises(ValidationFailed) as refused:
            requisition_create(actor=org.requester, data=requisition_body(currency="usd"))
        assert "currency" in (refused.value.errors or {})
        assert Requisition.objects.count() == 1
