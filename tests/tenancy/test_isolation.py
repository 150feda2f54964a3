"""One tenant's sessions, tokens, rows and pages are never visible on another tenant's host."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client as BrowserClient

from apps.organization.models import CostCenter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_session_of_one_tenant_is_refused_on_another(
    tenant_a: Any, tenant_b: Any, make_user: Any
) -> None:
    make_user(tenant_a, "admin", ["tenant_admin"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    response = browser.post("/login/", {"username": "admin@tenanta.test", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/settings/").status_code == 200

    session_cookie = browser.cookies["sessionid"].value
    other = BrowserClient(HTTP_HOST="b.localhost")
    other.cookies["sessionid"] = session_cookie
    response = other.get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_token_of_one_tenant_is_refused_on_another(
    tenant_a: Any, tenant_b: Any, make_user: Any, api_for: Any
) -> None:
    user = make_user(tenant_a, "requester", ["requester"])
    api = api_for(tenant_a, user)
    assert api.get("/api/v1/cost-centers/").status_code == 200
    api.defaults["HTTP_HOST"] = "b.localhost"
    response = api.get("/api/v1/cost-centers/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_rows_and_pages_of_one_tenant_are_invisible_in_another(
    tenant_a: Any, tenant_b: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    with in_tenant(tenant_a):
        CostCenter.objects.create(code="CC-ALPHA", name="Alpha only")
    admin_a = make_user(tenant_a, "admin", ["tenant_admin"])
    admin_b = make_user(tenant_b, "admin", ["tenant_admin"])

    codes_b = [
        row["code"]
        for row in api_for(tenant_b, admin_b).get("/api/v1/cost-centers/").json()["results"]
    ]
    codes_a = [
        row["code"]
        for row in api_for(tenant_a, admin_a).get("/api/v1/cost-centers/").json()["results"]
    ]
    assert "CC-ALPHA" in codes_a
    assert "CC-ALPHA" not in codes_b

    browser = BrowserClient(HTTP_HOST="b.localhost")
    browser.post("/login/", {"username": admin_b.email, "password": PASSWORD})
    page = browser.get("/settings/").content.decode()
    assert "admin@tenantb.test" in page
    assert "tenanta" not in page
    assert "Alpha Purchasing" not in page
    assert "Beta Buying Desk" in page


def test_savepoint_rolled_back_after_a_schema_switch_leaves_no_stale_schema(
    tenant_a: Any, tenant_b: Any, in_tenant: Any
) -> None:
    """django-tenants #1262: a SET search_path inside a rolled-back savepoint is undone by
    PostgreSQL; the next query must still run in the schema the connection reports."""
    with in_tenant(tenant_a):
        CostCenter.objects.create(code="CC-ONLY-A", name="A")
        with pytest.raises(RuntimeError), transaction.atomic():
            connection.set_tenant(tenant_b)
            CostCenter.objects.count()  # issues SET search_path to b inside the savepoint
            raise RuntimeError("roll the savepoint back")
        assert connection.tenant.schema_name == "tenantb"
        assert not CostCenter.objects.filter(code="CC-ONLY-A").exists()
        connection.set_tenant(tenant_a)
        assert CostCenter.objects.filter(code="CC-ONLY-A").exists()


def test_savepoint_rollback_inside_a_request_keeps_the_request_in_its_schema(
    tenant_a: Any, tenant_b: Any, make_user: Any, api_for: Any
) -> None:
    """Over HTTP, right after a request on another tenant: the replayed POST's INSERT fails in
    a savepoint (duplicate Idempotency-Key) that is rolled back; the lookup that follows must
    still run in the request's tenant and find the first response there. (Through `atomic`
    the SET is issued before the savepoint opens; the test above covers a SET inside it.)"""
    admin_b = make_user(tenant_b, "admin", ["tenant_admin"])
    api = api_for(tenant_b, admin_b)
    api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"])).get("/api/v1/users/")
    body = {"email": "new.person@tenantb.test", "roles": ["requester"]}
    first = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-savepoint")
    assert first.status_code == 201
    second = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-savepoint")
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    emails = [u["email"] for u in api.get("/api/v1/users/?page_size=200").json()["results"]]
    assert emails.count("new.person@tenantb.test") == 1


def test_unknown_host_is_a_404_and_never_another_tenant(db: None) -> None:
    response = BrowserClient(HTTP_HOST="nobody.localhost").get("/api/v1/cost-centers/")
    assert response.status_code == 404
    assert response.json()["code"] == "tenant_not_found"


def test_tenant_admin_pages_never_list_tenants_or_partners(tenant_a: Any, in_tenant: Any) -> None:
    from django.contrib import admin

    from apps.tenancy.models import Client, Domain, Partner, PartnerMembership

    for model in (Client, Domain, Partner, PartnerMembership):
        assert not admin.site.is_registered(model)
    with in_tenant(tenant_a):
        from apps.accounts.models import User

        root = User.objects.create_superuser(email="root@tenanta.test", password=PASSWORD)
        browser = BrowserClient(HTTP_HOST="a.localhost")
        browser.force_login(root)  # the session lives in the tenant's schema
    assert browser.get("/admin/tenancy/client/").status_code == 404
    assert b"Tenant B" not in browser.get("/admin/").content
