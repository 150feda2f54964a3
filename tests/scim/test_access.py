"""Who may provision: only a key of this tenant holding the `scim` scope, sent as `Bearer` (as
identity providers send it) or `Token`. Everything else is refused in SCIM's words, and
nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from tests.conftest import PASSWORD, host_of
from tests.scim.conftest import SCIM, Provider, new_user, scim_error, scim_key

pytestmark = pytest.mark.django_db
PATHS = ("Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas")


def _nobody_made(tenant: Any, in_tenant: Any) -> None:
    with in_tenant(tenant):
        assert not User.objects.filter(email="dana.lee@tenanta.test").exists()


def test_no_key_or_an_unknown_key_is_401(org: Any, in_tenant: Any) -> None:
    for provider in (Provider(org.tenant, None), Provider(org.tenant, "spk_not-a-key")):
        for path in PATHS:
            refused = scim_error(provider.get(path), 401)
            assert "Bearer" in provider.get(path)["WWW-Authenticate"], refused
        scim_error(provider.post("Users", new_user()), 401)
    _nobody_made(org.tenant, in_tenant)


def test_a_signed_in_browser_is_no_provider(org: Any, in_tenant: Any) -> None:
    from django.test import Client

    browser = Client(HTTP_HOST=host_of(org.tenant))
    assert (
        browser.post("/login/", {"username": org.admin.email, "password": PASSWORD}).status_code
        == 302
    )
    scim_error(browser.get("/scim/v2/Users"), 401)


def test_a_key_without_the_scim_scope_is_403(org: Any, in_tenant: Any) -> None:
    key = scim_key(org.tenant, org.admin, in_tenant, scopes=["invoices:export"])
    provider = Provider(org.tenant, key)
    for path in PATHS:
        scim_error(provider.get(path), 403)
    scim_error(provider.post("Users", new_user()), 403)
    _nobody_made(org.tenant, in_tenant)


def test_another_tenants_key_is_unknown_here(
    org: Any, tenant_b: Any, make_user: Any, in_tenant: Any
) -> None:
    admin_b = make_user(tenant_b, "admin", ["tenant_admin"])
    key_b = scim_key(tenant_b, admin_b, in_tenant)
    assert Provider(tenant_b, key_b).get("Users").status_code == 200
    scim_error(Provider(org.tenant, key_b).get("Users"), 401)
    scim_error(Provider(org.tenant, key_b).post("Users", new_user()), 401)
    _nobody_made(org.tenant, in_tenant)


def test_a_revoked_key_is_refused_and_the_scim_key_opens_no_api(org: Any, in_tenant: Any) -> None:
    from apps.integrations.models import ServiceAccount
    from apps.integrations.services.access import service_account_revoke

    key = scim_key(org.tenant, org.admin, in_tenant)
    provider = Provider(org.tenant, key, scheme="Token")
    assert provider.get("Users").status_code == 200  # `Token spk_…` too
    api = provider.client.get("/api/v1/users/")
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"
    with in_tenant(org.tenant):
        account = ServiceAccount.objects.get(scopes=["scim"])
        service_account_revoke(actor=org.admin, account_id=account.pk)
    scim_error(provider.get("Users"), 401)


def test_discovery_documents(idp: Provider) -> None:
    config = idp.get("ServiceProviderConfig")
    assert config.status_code == 200 and config["Content-Type"].startswith(SCIM)
    body = config.json()
    assert body["patch"]["supported"] is True and body["filter"]["supported"] is True
    assert body["bulk"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = idp.get("ResourceTypes").json()
    assert {r["id"] for r in types["Resources"]} == {"User", "Group"}
    assert idp.get("ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = idp.get("Schemas").json()
    user = next(s for s in schemas["Resources"] if s["name"] == "User")
    assert "userName" in {a["name"] for a in user["attributes"]}
    scim_error(idp.get("ResourceTypes/Printer"), 404)
