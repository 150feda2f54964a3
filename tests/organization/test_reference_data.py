"""Reference data: list endpoints with code filters, flat query counts, the demo seed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.demo.reference_data import demo_reference_data
from apps.organization.models import Budget, CostCenter, LegalEntity, SpendCategory
from apps.organization.services import reference_data_ensure
from tests.conftest import count_queries

pytestmark = pytest.mark.django_db


def _seed(tenant: Any, in_tenant: Any, manager: Any = None) -> None:
    with in_tenant(tenant):
        reference_data_ensure(
            actor="system:test", **demo_reference_data(manager=manager, year=timezone.now().year)
        )


def test_reference_endpoints_list_the_contract_codes(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    manager = make_user(tenant_a, "manager", ["manager"])
    _seed(tenant_a, in_tenant, manager)
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    entities = {
        e["code"]: e["currency"] for e in api.get("/api/v1/legal-entities/").json()["results"]
    }
    assert entities == {"US01": "USD", "DE01": "EUR"}
    centers = api.get("/api/v1/cost-centers/").json()["results"]
    assert {c["code"] for c in centers} == {"CC-100", "CC-200", "CC-300"}
    assert all(c["manager"] == manager.email for c in centers)
    assert {c["code"] for c in api.get("/api/v1/spend-categories/").json()["results"]} == {
        "IT-HW",
        "IT-SW",
        "MKT",
        "FAC",
        "SRV",
    }
    budgets = api.get("/api/v1/budgets/?cost_center=CC-100").json()["results"]
    assert len(budgets) == 1
    assert budgets[0]["amount"] == "250000.00" and budgets[0]["remaining"] == "250000.00"
    assert budgets[0]["period_start"] == f"{timezone.now().year}-01-01"
    only = api.get("/api/v1/cost-centers/?code=CC-200").json()
    assert only["count"] == 1 and only["results"][0]["name"] == "Marketing"


def test_reference_data_seed_is_idempotent_and_audited(tenant_a: Any, in_tenant: Any) -> None:
    _seed(tenant_a, in_tenant)
    with in_tenant(tenant_a):
        counts = (
            LegalEntity.objects.count(),
            CostCenter.objects.count(),
            SpendCategory.objects.count(),
            Budget.objects.count(),
            AuditEvent.objects.count(),
        )
    _seed(tenant_a, in_tenant)
    with in_tenant(tenant_a):
        assert counts == (
            LegalEntity.objects.count(),
            CostCenter.objects.count(),
            SpendCategory.objects.count(),
            Budget.objects.count(),
            AuditEvent.objects.count(),
        )
        assert AuditEvent.objects.filter(action="budget.created").count() == 3


@pytest.mark.parametrize("path", ["cost-centers", "budgets", "legal-entities", "spend-categories"])
def test_reference_list_query_counts_are_flat(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any, path: str
) -> None:
    manager = make_user(tenant_a, "manager", ["manager"])
    _seed(tenant_a, in_tenant, manager)
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    few = count_queries(lambda: api.get(f"/api/v1/{path}/?page_size=200"))
    with in_tenant(tenant_a):
        entity = LegalEntity.objects.create(code="XX01", name="More", country="FR", currency="EUR")
        for i in range(25):
            center = CostCenter.objects.create(
                code=f"CC-9{i:02d}", name=f"n{i}", manager=manager, legal_entity=entity
            )
            Budget.objects.create(
                cost_center=center,
                period_start="2026-01-01",
                period_end="2026-12-31",
                currency="EUR",
                amount="10.00",
            )
            SpendCategory.objects.create(code=f"X{i}", name=f"x{i}")
            LegalEntity.objects.create(code=f"L{i}", name=f"l{i}", country="FR", currency="EUR")
    assert count_queries(lambda: api.get(f"/api/v1/{path}/?page_size=200")) == few


def test_tenant_admin_maintains_reference_data_in_the_admin_pages(
    tenant_a: Any, in_tenant: Any, make_user: Any
) -> None:
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": admin.email, "password": PASSWORD})
    assert browser.get("/admin/organization/costcenter/").status_code == 200
    created = browser.post(
        "/admin/organization/spendcategory/add/", {"code": "TRV", "name": "Travel", "active": "on"}
    )
    assert created.status_code == 302
    with in_tenant(tenant_a):
        assert SpendCategory.objects.filter(code="TRV").exists()
        category = SpendCategory.objects.get(code="TRV")
    assert (
        browser.post(f"/admin/organization/spendcategory/{category.pk}/delete/").status_code == 403
    )
    assert browser.get("/admin/accounts/user/").status_code == 403  # reference data only


def test_other_roles_cannot_open_the_admin_pages(tenant_a: Any, make_user: Any) -> None:
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD

    requester = make_user(tenant_a, "requester", ["requester"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": requester.email, "password": PASSWORD})
    response = browser.get("/admin/organization/costcenter/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
