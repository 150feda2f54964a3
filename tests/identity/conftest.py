"""One local test identity provider (tools/idp: django-oauth-toolkit in OIDC mode and a
pysaml2 IdP) for the session, and a person's browser played in two parts: a `requests`
session at the identity provider (real HTTP to its process) and Django's test client at
Spendgate's tenant host. Every hop between them is the redirect or form the other side
answered."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from django.test import Client as BrowserClient

from tests.conftest import ROOT, free_port, wait_for_port

PASSWORD = "idp-test-password"
OTHER_SP = "http://other-sp.example/metadata/"


@dataclass(frozen=True)
class Idp:
    base: str
    data: Path  # its keys (run.py): oidc-key.pem signs its ID tokens

    @property
    def discovery_url(self) -> str:
        return f"{self.base}/o/.well-known/openid-configuration"

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/saml/metadata/"

    def metadata(self) -> str:
        return requests.get(self.metadata_url, timeout=10).text


def _spec() -> dict[str, Any]:
    clients, sps = [], []
    for slug in ("a", "b"):
        host = f"http://{slug}.localhost"
        clients.append(
            {
                "client_id": f"spendgate-{slug}",
                "client_secret": f"secret-{slug}",
                "redirect_uris": [f"{host}/sso/oidc/callback/"],
            }
        )
        sps.append({"entity_id": f"{host}/sso/saml/metadata/", "acs_url": f"{host}/sso/saml/acs/"})
    # another relying party of the same provider, whose answers come back to tenant a
    clients.append(
        {
            "client_id": "other-client",
            "client_secret": "other-secret",
            "redirect_uris": ["http://a.localhost/sso/oidc/callback/"],
        }
    )
    sps.append({"entity_id": OTHER_SP, "acs_url": "http://a.localhost/sso/saml/acs/"})
    # the partner console's service provider (public host), apps/partners/sso
    clients.append(
        {
            "client_id": "spendgate-partner",
            "client_secret": "secret-partner",
            "redirect_uris": ["http://localhost/partner/sso/oidc/callback/"],
        }
    )
    sps.append(
        {
            "entity_id": "http://localhost/partner/sso/saml/metadata/",
            "acs_url": "http://localhost/partner/sso/saml/acs/",
        }
    )
    users = [
        {"email": "sso.buyer@acme.example", "password": PASSWORD, "name": "SSO Buyer",
         "groups": ["buyers", "staff"]},
        {"email": "sso.approver@acme.example", "password": PASSWORD, "name": "SSO Approver",
         "groups": ["approvers"]},
        # partner people of the test session (tests/conftest.py), and another partner's admin
        {"email": "partner@partner.test", "password": PASSWORD, "name": "Partner Admin",
         "groups": []},
        {"email": "operator@partner.test", "password": PASSWORD, "name": "Operator Partner",
         "groups": []},
        {"email": "other@rival.test", "password": PASSWORD, "name": "Rival Admin", "groups": []},
    ]  # fmt: skip
    return {"users": users, "oidc_clients": clients, "saml_sps": sps}


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    folder = tmp_path_factory.mktemp("idp")
    config = folder / "idp.json"
    config.write_text(json.dumps(_spec()))
    port = free_port()
    log = (folder / "idp.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "idp" / "run.py"), "--port", str(port),
         "--config", str(config), "--data-dir", str(folder / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, proc, timeout=120)
        provider = Idp(f"http://127.0.0.1:{port}", folder / "data")
        # its first answers load its views: before any test's clock starts
        for url in (provider.discovery_url, provider.metadata_url, f"{provider.base}/login/"):
            requests.get(url, timeout=60).raise_for_status()
        yield provider
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


# --------------------------------------------------------------------------- the browser
def form_fields(html: str) -> dict[str, str]:
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    }


def form_action(html: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert match, html[:2000]
    return unescape(match.group(1))


def idp_session() -> requests.Session:
    return requests.Session()


def idp_answer(
    url: str, *, email: str = "sso.buyer@acme.example", session: requests.Session | None = None
) -> requests.Response:
    """Open the identity provider's URL in the browser, sign in on its form when asked, and
    return its last answer (a redirect back to Spendgate, or a form posting there)."""
    browser = session or idp_session()
    answer = browser.get(url, allow_redirects=False, timeout=30)
    while answer.status_code in (301, 302) and urlsplit(answer.headers["Location"]).netloc in (
        "",
        urlsplit(url).netloc,
    ):
        target = answer.headers["Location"]
        if target.startswith("/"):
            target = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{target}"
        answer = browser.get(target, allow_redirects=False, timeout=30)
        if "/login/" in target and answer.status_code == 200:
            fields = form_fields(answer.text)
            answer = browser.post(
                target.split("?")[0],
                data={**fields, "username": email, "password": PASSWORD},
                allow_redirects=False,
                timeout=30,
            )
            url = target
    return answer


def spendgate(host: str) -> BrowserClient:
    return BrowserClient(HTTP_HOST=host)


def local(url: str) -> str:
    """The path and query of a Spendgate URL (the test client talks to its host)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def saml_post(browser: BrowserClient, form_html: str, *, response: str | None = None) -> Any:
    """Post the identity provider's form to the assertion consumer service, and the page's own
    continuation (the session cookie's same-site hop)."""
    fields = form_fields(form_html)
    saml_response = response if response is not None else fields["SAMLResponse"]
    action = local(form_action(form_html))
    hop = browser.post(
        action, {"SAMLResponse": saml_response, "RelayState": fields.get("RelayState", "")}
    )
    assert hop.status_code == 200, hop.content[:500]
    continued = form_fields(hop.content.decode())
    assert continued["continued"] == "1"
    return browser.post(action, continued)


def saml_xml(encoded: str) -> str:
    return base64.b64decode(encoded).decode()


def saml_encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def authn_request_reissued(url: str, issuer: str) -> str:
    """The HTTP-Redirect AuthnRequest URL with its (unsigned) Issuer replaced."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    xml = re.sub(r"(<(?:\w+:)?Issuer[^>]*>)[^<]+(</)", rf"\g<1>{issuer}\g<2>", xml)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(xml.encode()) + compressor.flush()
    query["SAMLRequest"] = [base64.b64encode(packed).decode()]
    return f"{parts.scheme}://{parts.netloc}{parts.path}?" + urlencode(
        {k: v[0] for k, v in query.items()}, quote_via=quote
    )


def query_replaced(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(values)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?" + urlencode(query)


# --------------------------------------------------------------------------- connections
@pytest.fixture
def connect(in_tenant: Any, make_user: Any, idp: Idp) -> Any:
    """`connect(tenant, "oidc" | "saml", **changes)`: the tenant's connection to the local
    provider, saved by its admin (admin@<slug>.test); returns the admin."""
    from apps.identity.services import sso_connection_save

    def make(tenant: Any, protocol: str, *, metadata: str | None = None, **changes: Any) -> Any:
        admin = make_user(tenant, "admin", ["tenant_admin"])
        letter = tenant.slug[-1]
        values: dict[str, Any] = {
            "protocol": protocol,
            "display_name": "Test IdP",
            "role_mapping": {"buyers": ["buyer"], "staff": ["requester"]},
        }
        secret = None
        if protocol == "oidc":
            values.update(discovery_url=idp.discovery_url, client_id=f"spendgate-{letter}")
            secret = f"secret-{letter}"
        else:
            values["idp_metadata_xml"] = metadata or idp.metadata()
        values.update(changes)
        with in_tenant(tenant):
            sso_connection_save(actor=admin, changes=values, client_secret=secret)
        return admin

    return make


HERE = Path(__file__).parent
