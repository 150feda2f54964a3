"""Signing in through the tenant's identity provider, end to end against the local test IdP:
OIDC (authorization code with PKCE) and SAML 2.0, the person created just in time with the
roles their groups map to, and their roles following their groups on each sign-in."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent

from .conftest import idp_answer, local, saml_post, spendgate

pytestmark = pytest.mark.django_db


def signed_in_email(browser: Any) -> str | None:
    from apps.accounts.models import User

    user_id = browser.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).email if user_id else None


def test_oidc_sign_in_creates_the_person_with_the_mapped_roles(
    tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "oidc")
    browser = spendgate("a.localhost")
    page = browser.get("/login/")
    assert b"Sign in with Test IdP" in page.content
    start = browser.get("/sso/login/?next=/requisitions/")
    assert start.status_code == 302, start.content.decode()[-1500:]
    assert "code_challenge_method=S256" in start["Location"] and "nonce=" in start["Location"]
    back = idp_answer(start["Location"])
    assert back.status_code == 302, back.text[:500]
    done = browser.get(local(back.headers["Location"]))
    assert done.status_code == 302 and done["Location"] == "/requisitions/"
    with in_tenant(tenant_a):
        assert signed_in_email(browser) == "sso.buyer@acme.example"
        from apps.accounts.models import User

        user = User.objects.get(email="sso.buyer@acme.example")
        assert sorted(user.groups.values_list("name", flat=True)) == ["buyer", "requester"]
        assert not user.has_usable_password()
        assert AuditEvent.objects.filter(action="user.created_by_sso", subject_id=str(user.pk))
        assert AuditEvent.objects.filter(action="sso.signed_in", subject_id=str(user.pk))


def test_saml_sign_in_creates_the_person_and_follows_their_groups(
    tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    from apps.accounts.models import User
    from apps.identity.models import SsoConnection

    connect(tenant_a, "saml")
    browser = spendgate("a.localhost")
    start = browser.get("/sso/login/")
    assert start.status_code == 302 and "SAMLRequest=" in start["Location"]
    form = idp_answer(start["Location"])
    assert form.status_code == 200 and "SAMLResponse" in form.text, form.text[:500]
    done = saml_post(browser, form.text)
    assert done.status_code == 302, done.content[:800]
    with in_tenant(tenant_a):
        assert signed_in_email(browser) == "sso.buyer@acme.example"
        user = User.objects.get(email="sso.buyer@acme.example")
        assert sorted(user.groups.values_list("name", flat=True)) == ["buyer", "requester"]
        # the admin maps `buyers` elsewhere: the next sign-in brings the roles along
        SsoConnection.objects.filter(slot=1).update(role_mapping={"buyers": ["approver"]})
    again = spendgate("a.localhost")
    form = idp_answer(again.get("/sso/login/")["Location"])
    assert saml_post(again, form.text).status_code == 302
    with in_tenant(tenant_a):
        assert list(user.groups.values_list("name", flat=True)) == ["approver"]
        assert AuditEvent.objects.filter(
            action="user.roles_changed", subject_id=str(user.pk), actor="system:sso"
        ).exists()


def test_the_sign_in_page_offers_no_sso_without_a_connection(tenant_b: Any) -> None:
    page = spendgate("b.localhost").get("/login/")
    assert page.status_code == 200 and b"Sign in with" not in page.content


def test_the_service_provider_metadata_names_this_tenant(tenant_a: Any) -> None:
    answer = spendgate("a.localhost").get("/sso/saml/metadata/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/saml")
    xml = answer.content.decode()
    assert 'entityID="http://a.localhost/sso/saml/metadata/"' in xml
    assert 'Location="http://a.localhost/sso/saml/acs/"' in xml
