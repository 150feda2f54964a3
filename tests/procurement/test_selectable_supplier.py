"""One rule of who may be bought from (Supplier.selectable_q / not_selectable_because):
approved, no open sanctions hit, documents valid where the policy blocks non-compliant
orders. The requisition form and sourcing list only those, the catalog offers only their
items, submission and PO issue refuse the others `409 supplier_not_selectable` naming why, and
the compliance badge says the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.contracts.services.catalog import catalog_import
from apps.procurement.models import PurchaseOrder, Requisition
from apps.sanctions.importer import import_sdn
from apps.sanctions.matching import active_lists
from apps.suppliers.models import Supplier
from apps.suppliers.services.checks import suppliers_rescreen
from apps.tenancy.context import public_context
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve
from tests import world
from tests.contracts.conftest import register_contract
from tests.org import budget_of, requisition_body
from tests.suppliers.conftest import SDN_EXCERPT, SupplierOrg, invite, sorg

__all__ = ["sorg"]

pytestmark = pytest.mark.django_db

KUBA = "Banco Nacional de Kuba S.A."  # a spelling variation of SDN entry 306


@dataclass
class Suppliers:
    clean: Supplier  # approved, documents valid, no hit
    flagged: Supplier  # approved before the list named it; now an open hit
    onboarding: Supplier
    pending: dict[str, Any]  # the flagged one's requisition, submitted while it was clean


def _approved(sorg: SupplierOrg, name: str) -> Supplier:
    """Onboarded, submitted and approved through every step of its route."""
    supplier, task = world.onboarding_task(sorg, name)
    while task is not None:
        with transaction.atomic():
            task_approve(actor=task.assignee, task_id=task.pk)
        task = ApprovalTask.objects.filter(subject_id=str(supplier.pk), status="open").first()
    supplier.refresh_from_db()
    assert supplier.status == Supplier.Status.APPROVED
    return supplier


@pytest.fixture
def suppliers(sorg: SupplierOrg, in_tenant: Any, api_for: Any) -> Suppliers:
    with in_tenant(sorg.tenant):
        assert not active_lists()  # approved while no sanctions list is loaded
        clean = _approved(sorg, "Tailspin Parts GmbH")
        flagged = _approved(sorg, KUBA)
        assert flagged.compliance == Supplier.Compliance.COMPLIANT
        onboarding = invite(sorg, "Litware Consulting Ltd", email="ar@litware.test")
        for supplier in (clean, flagged):
            register_contract(sorg.buyer, supplier.pk)
        rows = "".join(
            f"CT-000{n},TN-{n},Black toner ({name}),each,62.00,USD,FAC,\n"
            for n, name in ((1, "Tailspin"), (2, "Kuba"))
        )
        header = "contract,sku,description,unit,unit_price,currency,spend_category,valid_until\n"
        catalog_import(
            actor=sorg.buyer,
            upload=SimpleUploadedFile("catalog.csv", (header + rows).encode()),
        )
    requester = api_for(sorg.tenant, sorg.org.requester)
    draft = requester.post(
        "/api/v1/requisitions/",
        requisition_body("5000.00", supplier=str(flagged.pk)),
        format="json",
    ).json()
    pending = requester.post(f"/api/v1/requisitions/{draft['id']}/submit/").json()
    assert pending["status"] == "pending_approval"
    # OFAC publishes; the re-screen after the import finds the flagged supplier
    with in_tenant(sorg.tenant):
        with public_context():
            import_sdn(SDN_EXCERPT)
        suppliers_rescreen()
        for supplier in (clean, flagged, onboarding):
            supplier.refresh_from_db()
    assert flagged.screening == Supplier.Screening.POTENTIAL_MATCH
    return Suppliers(clean, flagged, onboarding, pending)


def test_the_compliance_badge_means_approved_clear_and_documented(
    sorg: SupplierOrg, suppliers: Suppliers, api_for: Any
) -> None:
    assert suppliers.clean.compliance == Supplier.Compliance.COMPLIANT
    assert suppliers.flagged.compliance == Supplier.Compliance.NON_COMPLIANT
    assert suppliers.onboarding.compliance == Supplier.Compliance.NON_COMPLIANT
    buyer = api_for(sorg.tenant, sorg.buyer)
    compliant = buyer.get("/api/v1/suppliers/?compliance=compliant").json()["results"]
    assert [s["name"] for s in compliant] == ["Tailspin Parts GmbH"]
    page = api_for(sorg.tenant)
    page.force_login(sorg.buyer)
    shown = page.get(f"/suppliers/{suppliers.flagged.pk}/").content.decode()
    assert '<span class="pill non_compliant">Non-compliant</span>' in shown


def test_only_selectable_suppliers_are_offered_and_the_others_refused_naming_why(
    sorg: SupplierOrg, suppliers: Suppliers, api_for: Any, in_tenant: Any
) -> None:
    page = api_for(sorg.tenant)
    page.force_login(sorg.org.requester)
    form = page.get("/requisitions/new/").content.decode()
    assert f'value="{suppliers.clean.pk}"' in form
    assert str(suppliers.flagged.pk) not in form and KUBA not in form
    assert str(suppliers.onboarding.pk) not in form
    # guided buying: the catalog offers only the items of suppliers that may be bought from
    requester = api_for(sorg.tenant, sorg.org.requester)
    found = requester.get("/api/v1/catalog-items/?q=toner").json()["results"]
    assert [i["description"] for i in found] == ["Black toner (Tailspin)"]
    typed = page.get("/contracts/catalog/?catalog_q=toner").content.decode()
    assert "Black toner (Tailspin)" in typed and "Kuba" not in typed
    # submission is refused naming the reason; nothing is held
    committed = budget_of(sorg.tenant, in_tenant).committed
    for supplier, why in (
        (suppliers.flagged, "has an open sanctions hit"),
        (suppliers.onboarding, "is still onboarding"),
    ):
        draft = requester.post(
            "/api/v1/requisitions/", requisition_body(supplier=str(supplier.pk)), format="json"
        )
        assert draft.status_code == 201
        refused = requester.post(f"/api/v1/requisitions/{draft.json()['id']}/submit/")
        assert refused.status_code == 409
        assert refused.json()["code"] == "supplier_not_selectable"
        assert refused.json()["detail"] == (
            f"{supplier.name} {why}: no requisition or order may name it."
        )
        assert requester.get(f"/api/v1/requisitions/{draft.json()['id']}/").json()["status"] == (
            "draft"
        )
    assert budget_of(sorg.tenant, in_tenant).committed == committed
    allowed = requester.post(
        "/api/v1/requisitions/", requisition_body(supplier=str(suppliers.clean.pk)), format="json"
    ).json()
    submitted = requester.post(f"/api/v1/requisitions/{allowed['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending_approval"


def test_an_order_is_not_issued_to_a_supplier_flagged_after_submission(
    sorg: SupplierOrg, suppliers: Suppliers, api_for: Any, in_tenant: Any
) -> None:
    # its approvers decide, step after step; the last approval would issue the order
    answers: list[Any] = []
    while not answers or answers[-1].status_code == 200:
        with in_tenant(sorg.tenant):
            task = ApprovalTask.objects.get(subject_id=suppliers.pending["id"], status="open")
        approver = api_for(sorg.tenant, task.assignee)
        answers.append(approver.post(f"/api/v1/tasks/{task.pk}/approve/", {}, format="json"))
    refused = answers[-1]
    assert refused.status_code == 409 and refused.json()["code"] == "supplier_not_selectable"
    assert refused.json()["detail"] == (
        f"{KUBA} has an open sanctions hit: no requisition or order may name it."
    )
    with in_tenant(sorg.tenant):
        requisition = Requisition.objects.get(pk=suppliers.pending["id"])
        assert requisition.status == Requisition.Status.PENDING_APPROVAL
        assert not PurchaseOrder.objects.filter(requisition=requisition).exists()
    # a buyer sourcing an approved requisition meets the same rule
    requester = api_for(sorg.tenant, sorg.org.requester)
    draft = requester.post("/api/v1/requisitions/", requisition_body("800.00"), format="json")
    approved = requester.post(f"/api/v1/requisitions/{draft.json()['id']}/submit/").json()
    assert approved["status"] == "approved" and approved["supplier"] is None
    buyer = api_for(sorg.tenant, sorg.buyer)
    page = api_for(sorg.tenant)
    page.force_login(sorg.buyer)
    choice = page.get(f"/requisitions/{approved['id']}/").content.decode()
    assert str(suppliers.clean.pk) in choice and str(suppliers.flagged.pk) not in choice
    sourced = buyer.post(
        f"/api/v1/requisitions/{approved['id']}/source/",
        {"supplier": str(suppliers.flagged.pk)},
        format="json",
    )
    assert sourced.status_code == 409 and sourced.json()["code"] == "supplier_not_selectable"
