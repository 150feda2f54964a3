"""Reference data: list endpoints with code filters, flat query counts, the demo seed."""

from __future__ import annotations

from decimal import Decimal
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


def _browser(user: Any) -> Any:
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD

    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": user.email, "password": PASSWORD})
    return browser


def test_tenant_admin_maintains_reference_data_in_the_portal_audited(
    tenant_a: Any, in_tenant: Any, make_user: Any
) -> None:
    browser = _browser(make_user(tenant_a, "admin", ["tenant_admin"]))
    page = browser.get("/settings/reference-data/")
    assert page.status_code == 200 and 'data-testid="add-spend_category"' in page.text
    created = browser.post(
        "/settings/reference-data/",
        {"kind": "spend_category", "spend_category-code": "TRV", "spend_category-name": "Travel",
         "spend_category-active": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    with in_tenant(tenant_a):
        category = SpendCategory.objects.get(code="TRV")
        assert AuditEvent.objects.filter(action="spend_category.created", subject_id="TRV").exists()
    changed = browser.post(
        f"/settings/reference-data/spend_category/{category.pk}/",
        {"code": "TRV", "name": "Travel and lodging"},  # unticked: deactivated
    )
    assert changed.status_code == 302
    with in_tenant(tenant_a):
        category.refresh_from_db()
        assert (category.name, category.active) == ("Travel and lodging", False)
        event = AuditEvent.objects.get(action="spend_category.updated", subject_id="TRV")
        assert event.before["name"] == "Travel" and event.after["active"] is False
    # the same code twice is refused on the form, nothing written
    again = browser.post(
        "/settings/reference-data/",
        {"kind": "spend_category", "spend_category-code": "TRV", "spend_category-name": "x"},
    )
    assert again.status_code == 200 and "already exists" in again.text
    # Django's admin no longer writes around the services and the trail
    assert browser.get("/admin/organization/spendcategory/").status_code in (302, 404)


def test_a_budget_never_drops_below_what_it_holds(
    tenant_a: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.controls.refusals import ValidationFailed
    from apps.organization.services import reference_record_save

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    _seed(tenant_a, in_tenant)
    with in_tenant(tenant_a):
        budget = Budget.objects.filter(cost_center__code="CC-100").first()
        budget.committed = Decimal("5000.00")
        budget.save(update_fields=["committed"])
        with pytest.raises(ValidationFailed) as refused:
            reference_record_save(
                actor=admin, kind="budget", pk=budget.pk, data={"amount": Decimal("4999.99")}
            )
        assert "amount" in refused.value.errors
        reference_record_save(
            actor=admin, kind="budget", pk=budget.pk, data={"amount": Decimal("5000.00")}
        )
        budget.refresh_from_db()
        assert budget.amount == Decimal("5000.00")


def test_paying_accounts_are_checked_and_audited(
    tenant_a: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.payments.models import PayingAccount

    _seed(tenant_a, in_tenant)
    browser = _browser(make_user(tenant_a, "admin", ["tenant_admin"]))
    bad = browser.post(
        "/settings/reference-data/paying-accounts/DE01/",
        {"name": "Main", "iban": "DE75512108001245126198", "bic": "SOGEDEFFXXX"},
    )
    assert bad.status_code == 200 and "Not a valid IBAN" in bad.text
    good = browser.post(
        "/settings/reference-data/paying-accounts/DE01/",
        {"name": "Main", "iban": "DE75 5121 0800 1245 1261 99", "bic": "SOGEDEFFXXX"},
    )
    assert good.status_code == 302
    with in_tenant(tenant_a):
        account = PayingAccount.objects.get(legal_entity__code="DE01")
        assert account.iban == "DE75512108001245126199"
        assert AuditEvent.objects.filter(subject_type="paying_account", subject_id="DE01").exists()


def test_other_roles_cannot_change_reference_data(tenant_a: Any, make_user: Any) -> None:
    requester = _browser(make_user(tenant_a, "requester", ["requester"]))
    assert requester.get("/settings/reference-data/").status_code == 403
    assert requester.post("/settings/reference-data/", {"kind": "fx_rate"}).status_code == 403
    auditor = _browser(make_user(tenant_a, "auditor", ["auditor"]))
    page = auditor.get("/settings/reference-data/")
    assert page.status_code == 200 and 'data-testid="add-' not in page.text
    assert auditor.post("/settings/reference-data/", {"kind": "fx_rate"}).status_code == 403
