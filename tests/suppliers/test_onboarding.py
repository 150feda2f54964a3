"""Invitation to approval through the API: signed one-time links, validation, the checks
pipeline, and the onboarding route (high risk: a buyer, then compliance)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.controls.refusals import ValidationFailed
from apps.events.models import OutboxEvent
from apps.suppliers.models import Supplier, SupplierInvitation
from apps.suppliers.services.checks import supplier_checks_run
from apps.suppliers.services.onboarding import invitation_token, supplier_invitation_accept
from apps.workflow.models import ApprovalTask
from tests.conftest import PASSWORD, count_queries
from tests.suppliers.conftest import complete_onboarding, invite, portal_user


def test_invite_through_the_api_sends_a_signed_link(
    sorg: Any, api_for: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_for(sorg.tenant, sorg.buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/suppliers/",
            {
                "name": "Wingtip Toys Ltd",
                "country": "GB",
                "email": "ar@wingtip.test",
                "tax_id": "GB980780684",
                "category": "MKT",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["tax_id"]) == ("invited", "GB980780684")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ar@wingtip.test"]
    link = next(w for w in mail.outbox[0].body.split() if "/supplier-portal/accept/" in w)
    assert link.startswith("http://a.localhost/supplier-portal/accept/")


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"tax_id": "GB980780685"}, "tax_id", 422),
        ({"country": "XX"}, "country", 422),
        ({"email": "not-an-address"}, "email", 400),  # the schema's `format: email`
        ({"category": "NOPE"}, "category", 422),
        ({"name": "Wingtip\u200b Toys Ltd"}, "name", 422),  # zero-width space: a look-alike
        ({"name": "\u202eWingtip Toys Ltd"}, "name", 422),  # right-to-left override
        ({"tax_id": "GB980780684\u2060"}, "tax_id", 422),  # word joiner
    ],
)
def test_invite_refuses_bad_input(
    sorg: Any, api_for: Any, body: dict[str, str], field: str, status: int
) -> None:
    data = {"name": "Wingtip Toys Ltd", "country": "GB", "email": "ar@wingtip.test", **body}
    response = api_for(sorg.tenant, sorg.buyer).post("/api/v1/suppliers/", data, format="json")
    assert response.status_code == status
    assert field in response.json()["errors"]


def test_invisible_characters_are_refused_by_the_service_too(sorg: Any, in_tenant: Any) -> None:
    """A page or the ERP reaches the same service: the same refusal without a serializer."""
    from apps.suppliers.services.onboarding import supplier_invite

    with in_tenant(sorg.tenant), pytest.raises(ValidationFailed) as refused:
        supplier_invite(
            actor=sorg.buyer,
            name="Contoso\u200d GmbH",
            email="ar@contoso.test",
            country="DE",
            base_url="http://a.localhost",
            portal_name="Acme",
        )
    assert list(refused.value.errors or {}) == ["name"]


def test_only_buyers_and_admins_invite(sorg: Any, api_for: Any) -> None:
    data = {"name": "Wingtip Toys Ltd", "country": "GB", "email": "ar@wingtip.test"}
    response = api_for(sorg.tenant, sorg.org.requester).post(
        "/api/v1/suppliers/", data, format="json"
    )
    assert response.status_code == 403


def test_invitation_link_is_one_time_expiring_and_tamper_proof(
    sorg: Any, in_tenant: Any, client: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        invitation = SupplierInvitation.objects.get(supplier=supplier)
        token = invitation_token(invitation)
    url = f"/supplier-portal/accept/{token}/"
    assert client.get(url[:-3] + "xx/", HTTP_HOST="a.localhost").status_code == 400
    page = client.get(url, HTTP_HOST="a.localhost")
    assert page.status_code == 200 and b"Tailspin Parts GmbH" in page.content
    accepted = client.post(
        url, {"password": PASSWORD, "password2": PASSWORD}, HTTP_HOST="a.localhost"
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/supplier-portal/"
    assert client.get("/supplier-portal/", HTTP_HOST="a.localhost").status_code == 200
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.ONBOARDING
        with pytest.raises(ValidationFailed, match="already used"):
            supplier_invitation_accept(token=token, password=PASSWORD)
        late = invite(sorg, "Late Corp", email="late@late.test")
        SupplierInvitation.objects.filter(supplier=late).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        with pytest.raises(ValidationFailed, match="expired"):
            supplier_invitation_accept(
                token=invitation_token(SupplierInvitation.objects.get(supplier=late)),
                password=PASSWORD,
            )


def test_submit_needs_a_complete_profile(sorg: Any, in_tenant: Any, api_for: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = portal_user(supplier)
    response = api_for(sorg.tenant, user).post(f"/api/v1/suppliers/{supplier.pk}/submit/")
    assert response.status_code == 422
    gaps = " ".join(response.json()["errors"]["onboarding"])
    assert "tax id" in gaps and "bank account" in gaps and "VAT" in gaps


def test_low_risk_supplier_is_approved_by_a_buyer(
    sorg: Any, in_tenant: Any, api_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = complete_onboarding(sorg, supplier)
    submitted = api_for(sorg.tenant, user).post(f"/api/v1/suppliers/{supplier.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "pending_approval"
    with in_tenant(sorg.tenant):
        supplier_checks_run(supplier_id=supplier.pk, start_route=True)  # the Celery task's work
        supplier.refresh_from_db()
        assert supplier.risk_tier == "low", supplier.risk_reasons
    tasks = api_for(sorg.tenant, sorg.buyer).get("/api/v1/tasks/?status=open").json()["results"]
    task = next(t for t in tasks if t["subject_type"] == "supplier")
    assert task["subject_id"] == str(supplier.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decided = api_for(sorg.tenant, sorg.buyer).post(
            f"/api/v1/tasks/{task['id']}/approve/", {}, format="json"
        )
    assert decided.status_code == 200, decided.content
    for callback in callbacks:  # the supplier's e-mail; the checks task is covered elsewhere
        if callback.__qualname__.startswith("_tell_supplier"):
            callback()
    assert [m.to for m in mail.outbox] == [[supplier.email]]
    assert "approved" in mail.outbox[0].subject
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.APPROVED
        event = OutboxEvent.objects.get(event_type="supplier.approved", subject_id=str(supplier.pk))
        assert event.payload["risk_tier"] == "low"


def test_high_risk_needs_a_buyer_then_compliance(
    sorg: Any, in_tenant: Any, api_for: Any, make_user: Any
) -> None:
    both = make_user(sorg.tenant, "both", ["buyer", "compliance"])
    with in_tenant(sorg.tenant):
        supplier = invite(
            sorg, "Volga Freight", country="RU", category="SRV", email="ar@volga.test"
        )
        user = complete_onboarding(sorg, supplier, tax_id="7707083893")
    assert (
        api_for(sorg.tenant, user).post(f"/api/v1/suppliers/{supplier.pk}/submit/").status_code
        == 200
    )
    with in_tenant(sorg.tenant):
        supplier_checks_run(supplier_id=supplier.pk, start_route=True)
        supplier.refresh_from_db()
        assert supplier.risk_tier == "high"
        codes = {r["code"] for r in supplier.risk_reasons}
        assert {"country_high_risk", "category_high_risk"} <= codes

        def open_task(user: Any) -> ApprovalTask:
            return ApprovalTask.objects.get(
                subject_id=str(supplier.pk), assignee=user, status="open"
            )

    first = api_for(sorg.tenant, both).post(
        f"/api/v1/tasks/{open_task(both).pk}/approve/", {}, format="json"
    )
    assert first.status_code == 200
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.PENDING_APPROVAL
        second_task = open_task(both)
    # the same person cannot also give the compliance approval
    again = api_for(sorg.tenant, both).post(
        f"/api/v1/tasks/{second_task.pk}/approve/", {}, format="json"
    )
    assert again.status_code == 403 and again.json()["code"] == "sod_violation"
    with in_tenant(sorg.tenant):
        compliance_task = open_task(sorg.compliance)
    done = api_for(sorg.tenant, sorg.compliance).post(
        f"/api/v1/tasks/{compliance_task.pk}/approve/", {}, format="json"
    )
    assert done.status_code == 200, done.content
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.APPROVED


def test_an_open_screening_hit_holds_the_approval(
    sorg: Any, in_tenant: Any, api_for: Any, sanctions: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, "Banco Nacional de Kuba", country="PA", email="t@bnk.test")
        user = complete_onboarding(sorg, supplier, tax_id="155596713-2-2015")
    api_for(sorg.tenant, user).post(f"/api/v1/suppliers/{supplier.pk}/submit/")
    with in_tenant(sorg.tenant):
        supplier_checks_run(supplier_id=supplier.pk, start_route=True)
        task = ApprovalTask.objects.get(
            subject_id=str(supplier.pk), assignee=sorg.buyer, status="open"
        )
    buyer_step = api_for(sorg.tenant, sorg.buyer).post(
        f"/api/v1/tasks/{task.pk}/approve/", {}, format="json"
    )
    assert buyer_step.status_code == 200
    with in_tenant(sorg.tenant):
        last = ApprovalTask.objects.get(
            subject_id=str(supplier.pk), assignee=sorg.compliance, status="open"
        )
    compliance = api_for(sorg.tenant, sorg.compliance)
    refused = compliance.post(f"/api/v1/tasks/{last.pk}/approve/", {}, format="json")
    assert refused.status_code == 409
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.PENDING_APPROVAL
        hit = supplier.screening_hits.get()
    compliance.post(
        f"/api/v1/screening-hits/{hit.pk}/resolve/",
        {"decision": "false_positive", "reason": "Panamanian trading company, other registry"},
        format="json",
    )
    assert (
        compliance.post(f"/api/v1/tasks/{last.pk}/approve/", {}, format="json").status_code == 200
    )
    with in_tenant(sorg.tenant):
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.APPROVED


def test_supplier_list_query_count_is_flat(
    sorg: Any, in_tenant: Any, api_for: Any, client: Any
) -> None:
    api = api_for(sorg.tenant, sorg.buyer)
    client.force_login(sorg.buyer)
    with in_tenant(sorg.tenant):
        invite(sorg, "First Supplier", email="a@first.test")
    few_api = count_queries(lambda: api.get("/api/v1/suppliers/"))
    few_page = count_queries(lambda: client.get("/suppliers/", HTTP_HOST="a.localhost"))
    with in_tenant(sorg.tenant):
        for i in range(12):
            invite(sorg, f"Supplier {i}", email=f"s{i}@many.test")
    assert count_queries(lambda: api.get("/api/v1/suppliers/")) == few_api
    assert count_queries(lambda: client.get("/suppliers/", HTTP_HOST="a.localhost")) == few_page
