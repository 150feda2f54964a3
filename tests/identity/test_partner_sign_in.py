"""The partner console's own identity provider (apps/partners/sso), end to end against the
local test IdP on the public host: a partner admin connects it, tests it in their own browser
and enforces it; the partner's people then sign in through it by their work e-mail (the
console still asks for its second factor); nobody else gets in through it."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD, partner_signed_in

from .conftest import Idp, idp_answer, local, saml_post, spendgate

pytestmark = pytest.mark.django_db

HOST = "localhost"


def _person(email: str) -> Any:
    from apps.accounts.models import User

    return User.objects.get(email=email)


@pytest.fixture
def partner_connect(idp: Idp) -> Any:
    """`partner_connect(protocol, by=email)`: the connection saved by that partner admin."""
    from apps.partners.sso.services import partner_sso_save

    def make(protocol: str, by: str = "partner@partner.test", **changes: Any) -> Any:
        values: dict[str, Any] = {"protocol": protocol, "display_name": "Partner IdP"}
        secret = None
        if protocol == "oidc":
            values |= {"discovery_url": idp.discovery_url, "client_id": "spendgate-partner"}
            secret = "secret-partner"
        else:
            values["idp_metadata_xml"] = idp.metadata()
        values |= changes
        return partner_sso_save(actor=_person(by), changes=values, client_secret=secret)

    return make


def _tested(admin_email: str = "partner@partner.test") -> Any:
    """The admin's test sign-in from /partner/sso/, through the IdP as themself."""
    browser = partner_signed_in(admin_email)
    start = browser.post("/partner/sso/test/")
    assert start.status_code == 302 and start["Location"].startswith("http://127.0.0.1")
    back = idp_answer(start["Location"], email=admin_email)
    assert back.status_code == 302, back.text[:500]
    done = browser.get(local(back.headers["Location"]))
    assert done.status_code == 200 and b'data-testid="sso-tested"' in done.content, done.content
    return browser


def _signed_in_through_idp(email: str, *, protocol: str = "oidc") -> Any:
    browser = spendgate(HOST)
    page = browser.get("/login/")
    assert b'data-testid="partner-sso-sign-in"' in page.content
    start = browser.post("/partner/sso/login/", {"email": email.upper()})
    assert start.status_code == 302, start.content[:800]
    if protocol == "oidc":
        back = idp_answer(start["Location"], email=email)
        assert back.status_code == 302, back.text[:500]
        browser.done = browser.get(local(back.headers["Location"]))
    else:
        form = idp_answer(start["Location"], email=email)
        assert "SAMLResponse" in form.text, form.text[:500]
        browser.done = saml_post(browser, form.text)
    return browser


def test_a_partner_connects_tests_enforces_and_its_people_sign_in_through_it(
    partner_connect: Any,
) -> None:
    from apps.identity.refusals import SsoNotTested
    from apps.partners.sso.models import PartnerSsoConnection
    from apps.partners.sso.services import partner_sso_enforce

    connection = partner_connect("oidc")
    admin = _person("partner@partner.test")
    with pytest.raises(SsoNotTested):  # no enforcement before a test that succeeded
        partner_sso_enforce(actor=admin, enforced=True)
    _tested()
    connection.refresh_from_db()
    assert connection.tested_since_change
    from apps.partners.sso.services import partner_sso_save

    partner_sso_save(actor=admin, changes={}, break_glass_user=admin)
    asked = partner_signed_in().post("/partner/sso/enforcement/", {"enforced": "on"})
    assert asked.status_code == 200 and b'name="confirmation"' in asked.content
    assert not PartnerSsoConnection.objects.get(pk=connection.pk).enforced
    page = partner_signed_in().post(
        "/partner/sso/enforcement/", {"enforced": "on", "confirmation": "given"}
    )
    assert page.status_code == 302
    assert PartnerSsoConnection.objects.get(pk=connection.pk).enforced
    # an operator of the partner signs in through the IdP by work e-mail
    browser = _signed_in_through_idp("operator@partner.test")
    assert browser.done.status_code == 302 and browser.done["Location"] == "/partner/"
    operator = _person("operator@partner.test")
    assert browser.session["_auth_user_id"] == str(operator.pk)
    # the console still asks for its own second factor before any page
    console = browser.get("/partner/")
    assert console.status_code == 302 and console["Location"].startswith("/account/")
    signed = AuditEvent.objects.get(action="sso.signed_in", subject_id=str(operator.pk))
    assert signed.data["partner"] == connection.partner_id
    # with SSO enforced the operator's password opens nothing; the break-glass admin's does
    refused = spendgate(HOST).post(
        "/login/", {"username": "operator@partner.test", "password": PASSWORD}
    )
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session
    assert "Your partner signs in with Partner IdP" in refused.content.decode()
    token = spendgate(HOST).post(
        "/api/v1/auth/token/", {"username": "operator@partner.test", "password": PASSWORD}
    )
    assert token.status_code == 403 and token.json()["code"] == "sso_required"
    kept = spendgate(HOST).post(
        "/login/", {"username": "partner@partner.test", "password": PASSWORD}
    )
    assert kept.status_code == 302
    assert AuditEvent.objects.filter(
        action="sso.break_glass_sign_in",
        subject_id=str(admin.pk),
        data__partner=admin.partner_membership.partner_id,
    ).exists()
    # another partner's people are not touched by it
    rival = spendgate(HOST).post("/login/", {"username": "other@rival.test", "password": PASSWORD})
    assert rival.status_code == 302


def test_a_partner_signs_in_through_saml(partner_connect: Any) -> None:
    partner_connect("saml")
    browser = _signed_in_through_idp("operator@partner.test", protocol="saml")
    assert browser.done.status_code == 302 and browser.done["Location"] == "/partner/"
    assert browser.session["_auth_user_id"] == str(_person("operator@partner.test").pk)


def test_nobody_but_the_partners_own_people_gets_in_through_its_provider(
    partner_connect: Any,
) -> None:
    connection = partner_connect("oidc")
    # another partner's admin, signed in at the IdP, comes back through this partner's sign-in
    browser = spendgate(HOST)
    start = browser.post("/partner/sso/login/", {"email": "operator@partner.test"})
    back = idp_answer(start["Location"], email="other@rival.test")
    done = browser.get(local(back.headers["Location"]))
    assert done.status_code == 403 and b'data-reason="not_a_member"' in done.content
    assert "_auth_user_id" not in browser.session
    refused = AuditEvent.objects.get(action="sso.sign_in_refused")
    assert refused.data["reason"] == "not_a_member" and refused.subject_id == str(connection.pk)
    # the same callback once more: the round trip was used
    again = browser.get(local(back.headers["Location"]))
    assert again.status_code == 403 and b'data-reason="state"' in again.content
    # nobody is created by it: an address of no partner, and one whose partner has none
    for address in ("sso.buyer@acme.example", "other@rival.test"):
        answer = spendgate(HOST).post("/partner/sso/login/", {"email": address})
        assert answer.status_code == 422
        assert b"No single sign-on is set up for this address." in answer.content
    from apps.accounts.models import User

    assert not User.objects.filter(email="sso.buyer@acme.example").exists()


def test_only_a_partner_admin_sets_it_and_only_for_their_own_partner(
    partner_connect: Any, tenant_a: Any
) -> None:
    from apps.controls.refusals import PermissionRefused
    from apps.partners.sso.models import PartnerSsoConnection

    ours = partner_connect("oidc")
    with pytest.raises(PermissionRefused):
        partner_connect("oidc", by="operator@partner.test", client_id="changed")
    assert partner_signed_in("operator@partner.test").get("/partner/sso/").status_code == 403
    # the rival's admin sets up the rival's own connection, never ours
    theirs = partner_connect("saml", by="other@rival.test")
    assert theirs.pk != ours.pk and theirs.partner_id != ours.partner_id
    ours.refresh_from_db()
    assert ours.protocol == "oidc" and ours.client_id == "spendgate-partner"
    page = partner_signed_in().get("/partner/sso/")
    assert page.status_code == 200 and b"Partner IdP" in page.content
    assert PartnerSsoConnection.objects.count() == 2
    # none of it answers on a client tenant's host
    for path in ("/partner/sso/login/", "/partner/sso/saml/metadata/"):
        assert spendgate("a.localhost").get(path).status_code == 404


def test_the_settings_page_saves_a_connection(idp: Idp) -> None:
    from apps.partners.sso.models import PartnerSsoConnection

    browser = partner_signed_in()
    page = browser.get("/partner/sso/")
    assert page.status_code == 200 and b"/partner/sso/oidc/callback/" in page.content
    saved = browser.post(
        "/partner/sso/",
        {
            "protocol": "oidc",
            "display_name": "Northwind Entra",
            "discovery_url": idp.discovery_url,
            "client_id": "spendgate-partner",
            "client_secret": "secret-partner",
            "email_claim": "email",
            "name_claim": "name",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    connection = PartnerSsoConnection.objects.get()
    assert connection.display_name == "Northwind Entra" and connection.client_secret_encrypted
    assert "secret-partner" not in browser.get("/partner/sso/").content.decode()
    assert AuditEvent.objects.filter(action="sso.connection_saved", subject_id=str(connection.pk))


def test_an_unreachable_provider_is_said_and_recorded_against_the_partners_connection(
    partner_connect: Any,
) -> None:
    from tests.conftest import free_port

    closed = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    connection = partner_connect("oidc", discovery_url=closed)
    answer = spendgate(HOST).post("/partner/sso/login/", {"email": "operator@partner.test"})
    assert answer.status_code == 403 and b'data-reason="provider_unreachable"' in answer.content
    refused = AuditEvent.objects.get(action="sso.sign_in_refused")
    assert refused.subject_id == str(connection.pk)
    assert refused.data["reason"] == "provider_unreachable"
