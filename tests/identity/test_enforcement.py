"""The tenant admin's test sign-in and enforcement: enforcement is refused until a test
sign-in succeeded after the last change; once enforced, password sign-in (the sign-in page and
the API's token endpoint) is refused for everyone but the break-glass admin, whose sign-ins
are audited. The API `sso/` and `sso/test/` answer tenant admins only."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .conftest import idp_answer, local, saml_post, spendgate

pytestmark = pytest.mark.django_db


def test_run(browser: Any, start_url: str) -> Any:
    """Follow a test sign-in link through the identity provider back to the tested page."""
    to_idp = browser.get(local(start_url))
    assert to_idp.status_code == 302, to_idp.content[:500]
    back = idp_answer(to_idp["Location"])
    return browser.get(local(back.headers["Location"]))


test_run.__test__ = False  # type: ignore[attr-defined]


def admin_browser(admin: Any) -> Any:
    browser = spendgate("a.localhost")
    signed = browser.post("/login/", {"username": admin.email, "password": PASSWORD})
    assert signed.status_code == 302, signed.content[:800]
    return browser


def test_the_admin_tests_then_enforces_and_passwords_stop_but_for_break_glass(
    tenant_a: Any, connect: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    from apps.identity.models import SsoConnection

    admin = connect(tenant_a, "oidc")
    clerk = make_user(tenant_a, "clerk", ["ap_clerk"])
    browser = admin_browser(admin)
    settings_page = browser.get("/settings/sso/")
    assert settings_page.status_code == 200 and b"Test sign-in" in settings_page.content
    with in_tenant(tenant_a):
        SsoConnection.objects.update(break_glass_user=admin)
    # enforcing before any test is refused
    refused = browser.post(
        "/settings/sso/enforcement/", {"enforced": "on", "confirmation": "given"}, follow=True
    )
    assert "Run a test sign-in" in refused.content.decode()
    with in_tenant(tenant_a):
        assert not SsoConnection.objects.get().enforced
    # the test sign-in: a real round trip in the admin's browser
    start = browser.post("/settings/sso/test/")
    assert start.status_code == 302
    tested = test_run(browser, start["Location"])
    assert tested.status_code == 200 and b"sso.buyer@acme.example" in tested.content
    with in_tenant(tenant_a):
        connection = SsoConnection.objects.get()
        assert connection.tested_since_change
        assert browser.session["_auth_user_id"] == str(admin.pk)  # still the admin
    # asked twice, then enforced
    step = browser.post("/settings/sso/enforcement/", {"enforced": "on"})
    assert step.status_code == 200 and b"confirmation" in step.content
    enforced = browser.post(
        "/settings/sso/enforcement/", {"enforced": "on", "confirmation": "given"}
    )
    assert enforced.status_code == 302
    with in_tenant(tenant_a):
        assert SsoConnection.objects.get().enforced
        assert AuditEvent.objects.filter(action="sso.enforced").exists()
    # password sign-in: refused for the clerk on the page and for an API token
    page = spendgate("a.localhost")
    answer = page.post("/login/", {"username": clerk.email, "password": PASSWORD})
    assert answer.status_code == 200 and "Sign in with Test IdP" in answer.content.decode()
    assert "_auth_user_id" not in page.session
    token = api_for(tenant_a).post(
        "/api/v1/auth/token/", {"username": clerk.email, "password": PASSWORD}, format="json"
    )
    assert token.status_code == 403 and token.json()["code"] == "sso_required"
    # the break-glass admin still signs in with the password, and it is audited
    assert admin_browser(admin).session["_auth_user_id"] == str(admin.pk)
    assert api_for(tenant_a, admin) is not None
    with in_tenant(tenant_a):
        channels = sorted(
            AuditEvent.objects.filter(action="sso.break_glass_sign_in").values_list(
                "data__channel", flat=True
            )
        )
        assert channels == ["api", "page"]


def test_a_change_of_provider_asks_for_a_new_test(
    tenant_a: Any, connect: Any, in_tenant: Any, api_for: Any, idp: Any
) -> None:
    admin = connect(tenant_a, "oidc")
    api = api_for(tenant_a, admin)
    link = api.post("/api/v1/sso/test/")
    assert link.status_code == 202
    done = test_run(spendgate("a.localhost"), link.json()["test_url"])
    assert done.status_code == 200, done.content[:800]
    assert api.get("/api/v1/sso/").json()["tested_at"]
    # the admin points the connection at the SAML side: the test no longer counts
    changed = api.patch(
        "/api/v1/sso/",
        {"protocol": "saml", "metadata": idp.metadata(), "break_glass_user": admin.email},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    refused = api.patch("/api/v1/sso/", {"enforced": True}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "sso_not_tested"
    # a test link made before a change is worth nothing after it
    stale = spendgate("a.localhost").get(local(link.json()["test_url"]))
    assert stale.status_code == 403 and b'data-reason="test_link"' in stale.content
    link = api.post("/api/v1/sso/test/").json()["test_url"]
    browser = spendgate("a.localhost")
    to_idp = browser.get(local(link))
    form = idp_answer(to_idp["Location"])
    assert saml_post(browser, form.text).status_code == 200
    enforced = api.patch("/api/v1/sso/", {"enforced": True}, format="json")
    assert enforced.status_code == 200 and enforced.json()["enforced"] is True


def test_the_api_answers_tenant_admins_only_and_never_shows_the_secret(
    tenant_a: Any, tenant_b: Any, connect: Any, make_user: Any, api_for: Any, idp: Any
) -> None:
    admin = connect(tenant_a, "oidc")
    for role in ("requester", "ap_manager", "auditor"):
        person = make_user(tenant_a, role, [role])
        api = api_for(tenant_a, person)
        read = api.get("/api/v1/sso/")
        if role == "auditor":  # auditors read how it is set up, never the secret
            assert read.status_code == 200 and "client_secret" not in read.json()
        else:
            assert read.status_code == 403 and read.json()["code"] == "permission_denied"
        for answer in (
            api.patch("/api/v1/sso/", {"enforced": False}, format="json"),
            api.post("/api/v1/sso/test/"),
        ):
            assert answer.status_code == 403 and answer.json()["code"] == "permission_denied"
    shown = api_for(tenant_a, admin).get("/api/v1/sso/").json()
    assert shown["protocol"] == "oidc" and shown["discovery_url"] == idp.discovery_url
    assert "client_secret" not in shown and "secret-a" not in str(shown)
    assert shown["role_mapping"] == {"buyers": ["buyer"], "staff": ["requester"]}
    # tenant b has its own (none)
    admin_b = make_user(tenant_b, "admin", ["tenant_admin"])
    nothing = api_for(tenant_b, admin_b).get("/api/v1/sso/")
    assert nothing.status_code == 404 and nothing.json()["code"] == "sso_not_configured"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"protocol": "saml", "metadata": "<not-metadata/>"}, "metadata"),
        ({"protocol": "oidc", "discovery_url": "http://idp.example/x", "client_id": "c",
          "client_secret": "s"}, "discovery_url"),
        ({"protocol": "oidc", "discovery_url": "https://idp.example/x"}, "client_id"),
        ({"protocol": "saml", "metadata": "", "role_mapping": {"g": ["root"]}}, "role_mapping"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_their_field(
    body: dict[str, Any], field: str, tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    answer = api_for(tenant_a, admin).put("/api/v1/sso/", body, format="json")
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["errors"]
