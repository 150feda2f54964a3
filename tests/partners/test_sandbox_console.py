"""Sandboxes on the partner API and the partner console: made from an own production tenant
by a partner role that keeps sandboxes, listed, and shown under their production tenant."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.tenancy.models import Client
from tests.conftest import count_queries, partner_api_for, partner_signed_in

pytestmark = pytest.mark.django_db


def _partner_api(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


def test_a_partner_makes_a_sandbox_over_the_api_and_lists_it(partner_api: APIClient) -> None:
    response = partner_api.post(
        "/api/v1/partner/sandboxes/", {"from_tenant": "tenanta"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "tenantasbx" and body["sandbox_of"] == "tenanta"
    assert body["domain"] == "a-sandbox.localhost" and body["stand_in_password"]
    assert {s["role"] for s in body["stand_ins"]} <= {
        "tenant_admin",
        "requester",
        "approver",
        "manager",
        "buyer",
        "receiver",
        "ap_clerk",
        "ap_manager",
        "auditor",
        "compliance",
    }
    assert body["policy_version"].startswith("v")
    listed = partner_api.get("/api/v1/partner/sandboxes/").json()
    assert [row["slug"] for row in listed["results"]] == ["tenantasbx"]
    assert "stand_in_password" not in listed["results"][0]
    tenants = {
        row["slug"]: row for row in partner_api.get("/api/v1/partner/tenants/").json()["results"]
    }
    assert tenants["tenantasbx"]["kind"] == "sandbox"
    assert tenants["tenantasbx"]["sandbox_of"] == "tenanta"
    assert tenants["tenanta"]["kind"] == "production" and tenants["tenanta"]["sandbox_of"] is None


@pytest.mark.parametrize(
    ("email", "body", "status", "code"),
    [
        ("support@partner.test", {"from_tenant": "tenanta"}, 403, "permission_denied"),
        ("billing@partner.test", {"from_tenant": "tenanta"}, 403, "permission_denied"),
        ("other@rival.test", {"from_tenant": "tenanta"}, 422, "validation_error"),
        ("partner@partner.test", {"from_tenant": "nosuchtenant"}, 422, "validation_error"),
        ("partner@partner.test", {"from_tenant": 7}, 400, None),
        ("partner@partner.test", {}, 400, None),
    ],
)
def test_sandboxes_are_refused_without_the_role_or_the_tenant(
    email: str, body: dict[str, Any], status: int, code: str | None
) -> None:
    response = _partner_api(email).post("/api/v1/partner/sandboxes/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    if code:
        assert response.json()["code"] == code
    assert not Client.objects.filter(kind=Client.Kind.SANDBOX).exists()


def test_a_sandbox_of_a_sandbox_is_refused(partner_api: APIClient) -> None:
    partner_api.post("/api/v1/partner/sandboxes/", {"from_tenant": "tenanta"}, format="json")
    response = partner_api.post(
        "/api/v1/partner/sandboxes/", {"from_tenant": "tenantasbx"}, format="json"
    )
    assert response.status_code == 422 and "from_tenant" in response.json()["errors"]


def test_tenant_users_cannot_reach_the_sandboxes(
    api_for: Any, tenant_a: Any, make_user: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    api = api_for(tenant_a, admin)
    assert api.get("/api/v1/partner/sandboxes/").status_code == 404


def test_the_sandbox_list_query_count_is_flat(partner_api: APIClient) -> None:
    partner_api.post("/api/v1/partner/sandboxes/", {"from_tenant": "tenanta"}, format="json")
    one = count_queries(lambda: partner_api.get("/api/v1/partner/sandboxes/"))
    partner_api.post("/api/v1/partner/sandboxes/", {"from_tenant": "tenantb"}, format="json")
    partner_api.post("/api/v1/partner/sandboxes/", {"from_tenant": "tenanta"}, format="json")
    assert count_queries(lambda: partner_api.get("/api/v1/partner/sandboxes/")) == one


def test_the_console_makes_a_sandbox_and_lists_it_under_its_tenant() -> None:
    browser = partner_signed_in("partner@partner.test")
    page = browser.get("/partner/tenants/tenanta/").content.decode()
    assert 'data-testid="sandbox-form"' in page
    made = browser.post("/partner/tenants/tenanta/sandboxes/", follow=True)
    assert made.redirect_chain[-1][0] == "/partner/tenants/tenantasbx/"
    text = made.content.decode()
    assert "is ready" in text and "not shown again" in text
    assert 'data-testid="sandbox"' in text and 'data-testid="sandbox-form"' not in text
    console = browser.get("/partner/").content.decode()
    order = [
        slug for slug in ("tenanta", "tenantasbx", "tenantb") if f'data-tenant="{slug}"' in console
    ]
    assert order == ["tenanta", "tenantasbx", "tenantb"]
    assert (
        console.index('data-tenant="tenanta"')
        < console.index('data-tenant="tenantasbx"')
        < console.index('data-tenant="tenantb"')
    )
    assert "Sandbox of Tenant A" in console


def test_support_sees_no_sandbox_button_and_its_post_is_refused() -> None:
    browser = partner_signed_in("support@partner.test")
    # support opens no client's page (it manages no tenant), so it meets no sandbox button
    assert browser.get("/partner/tenants/tenanta/").status_code == 403
    browser.post("/partner/tenants/tenanta/sandboxes/")
    assert not Client.objects.filter(kind=Client.Kind.SANDBOX).exists()


def test_sandboxes_stay_out_of_the_client_figures_and_benchmark(partner_api: APIClient) -> None:
    partner_api.post("/api/v1/partner/sandboxes/", {"from_tenant": "tenanta"}, format="json")
    figures = partner_api.get("/api/v1/partner/insights/").json()
    assert {row["slug"] for row in figures["tenants"]} == {"tenanta", "tenantb"}
