"""The tenant admin connects the identity provider on /settings/sso/ as in a browser: the page,
the form posted with the provider's SAML metadata file, the saved page. What is stored is what
the metadata says (the provider's entity id, its sign-on URL and certificate), and a sign-in
goes through it; a file that is not one identity provider's metadata is refused on the form
and nothing is saved."""

from __future__ import annotations

import re
from typing import Any

import lxml.etree
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditEvent

from .conftest import Idp, idp_answer, saml_post, spendgate
from .test_enforcement import admin_browser

pytestmark = pytest.mark.django_db

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
NOT_METADATA = "This is not the SAML metadata of one identity provider."


def metadata_says(xml: str) -> dict[str, str]:
    """The entity id, HTTP-Redirect sign-on URL and signing certificate the metadata holds."""
    root = lxml.etree.fromstring(xml.encode())
    entity = (
        root
        if root.tag == f"{{{MD}}}EntityDescriptor"
        else root.find(f".//{{{MD}}}EntityDescriptor")
    )
    (sso,) = entity.xpath(
        ".//md:IDPSSODescriptor/md:SingleSignOnService"
        "[@Binding='urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect']/@Location",
        namespaces={"md": MD},
    )
    cert = entity.find(f".//{{{DS}}}X509Certificate").text
    return {
        "entity_id": entity.get("entityID"),
        "sso_url": sso,
        "certificate": "".join(cert.split()),
    }


def saml_form(metadata: bytes, name: str = "idp-metadata.xml", **fields: str) -> dict[str, Any]:
    return {
        "protocol": "saml",
        "display_name": "Acme Login",
        "email_claim": "email",
        "name_claim": "name",
        "groups_claim": "groups",
        "role_mapping": "buyers: buyer\nstaff: requester",
        "metadata": SimpleUploadedFile(name, metadata, content_type="text/xml"),
        **fields,
    }


def form_errors(html: str) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S))


def test_the_admin_uploads_the_providers_metadata_and_it_is_stored_as_it_says(
    tenant_a: Any, make_user: Any, in_tenant: Any, idp: Idp
) -> None:
    from apps.identity.models import SsoConnection

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    browser = admin_browser(admin)
    page = browser.get("/settings/sso/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="sso-form"' in body and 'enctype="multipart/form-data"' in body
    assert 'name="metadata"' in body and 'data-testid="sso-status"' not in body

    xml = idp.metadata()
    says = metadata_says(xml)
    saved = browser.post("/settings/sso/", saml_form(xml.encode()))
    assert saved.status_code == 302 and saved["Location"] == "/settings/sso/", form_errors(
        saved.content.decode()
    )
    shown = browser.get(saved["Location"])
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "Single sign-on saved." in text
    assert "Acme Login (SAML 2.0)" in text and 'data-testid="sso-status"' in text

    with in_tenant(tenant_a):
        connection = SsoConnection.objects.get()
        assert connection.protocol == "saml" and connection.display_name == "Acme Login"
        assert connection.idp_entity_id == says["entity_id"]
        stored = metadata_says(connection.idp_metadata_xml)
        assert stored == says
        assert connection.role_mapping == {"buyers": ["buyer"], "staff": ["requester"]}
        assert not connection.tested_since_change and not connection.enforced
        event = AuditEvent.objects.get(action="sso.connection_saved")
        assert event.actor == admin.email
        assert event.after and event.after["idp_entity_id"] == says["entity_id"]

    # the stored connection works: the sign-in goes to the metadata's sign-on URL, and the
    # provider's signed answer checks out against the certificate it published
    person = spendgate("a.localhost")
    start = person.get("/sso/login/")
    assert start.status_code == 302 and start["Location"].startswith(says["sso_url"] + "?")
    form = idp_answer(start["Location"])
    assert saml_post(person, form.text).status_code == 302
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(action="sso.signed_in").exists()


def test_a_file_that_is_not_one_providers_metadata_is_refused_and_nothing_saved(
    tenant_a: Any, make_user: Any, in_tenant: Any, idp: Idp
) -> None:
    from apps.identity.models import SsoConnection

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    browser = admin_browser(admin)
    assert browser.get("/settings/sso/").status_code == 200
    good = idp.metadata()
    unsigned = re.sub(
        r"<(?:\w+:)?KeyDescriptor[^>]*>.*?</(?:\w+:)?KeyDescriptor>", "", good, flags=re.S
    )
    assert "X509Certificate" not in unsigned
    service_provider = spendgate("a.localhost").get("/sso/saml/metadata/").content
    refusals = [
        (b"<md:EntityDescriptor entityID='broken'", NOT_METADATA),  # not well-formed
        (service_provider, NOT_METADATA),  # a service provider's metadata, not a provider's
        (unsigned.encode(), "The metadata publishes no signing certificate."),
        (b"\xff\xfe<\x00x\x00", "The metadata must be an XML file."),  # not UTF-8 text
    ]
    for content, error in refusals:
        answer = browser.post("/settings/sso/", saml_form(content))
        assert answer.status_code == 200, (content[:40], answer.status_code)
        html = answer.content.decode()
        assert error in form_errors(html), (content[:40], form_errors(html))
        assert "Single sign-on saved." not in html
        with in_tenant(tenant_a):
            assert not SsoConnection.objects.exists()
            assert not AuditEvent.objects.filter(action="sso.connection_saved").exists()

    # a stored connection stays as it was when a broken file is uploaded over it
    assert browser.post("/settings/sso/", saml_form(good.encode())).status_code == 302
    with in_tenant(tenant_a):
        before = SsoConnection.objects.values().get()
    answer = browser.post("/settings/sso/", saml_form(service_provider, display_name="Other"))
    assert answer.status_code == 200 and NOT_METADATA in form_errors(answer.content.decode())
    with in_tenant(tenant_a):
        assert SsoConnection.objects.values().get() == before
        assert AuditEvent.objects.filter(action="sso.connection_saved").count() == 1
