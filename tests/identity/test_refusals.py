"""Every sign-in response that fails a check is refused, and nobody is signed in: a bad
signature (a tampered assertion, the provider's key swapped), a replay (the same SAML response
twice, an OIDC callback used twice, a state or nonce of another sign-in), a clock beyond the
allowed skew, a response meant for another service, and a response of another tenant's
sign-in."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

from apps.audit.models import AuditEvent

from .conftest import (
    OTHER_SP,
    Idp,
    authn_request_reissued,
    form_fields,
    idp_answer,
    local,
    query_replaced,
    saml_encoded,
    saml_post,
    saml_xml,
    spendgate,
)

pytestmark = pytest.mark.django_db
SKEW_BEYOND = timedelta(minutes=10)  # past the ID token's and assertion's 5 minutes, and 60 s


def assert_refused(response: Any, browser: Any, tenant: Any, in_tenant: Any, *reasons: str) -> None:
    from apps.accounts.models import User

    body = response.content.decode()
    assert response.status_code == 403, body[:1500]
    reason = re.search(r'data-reason="([^"]*)"', body)
    assert reason and (not reasons or reason.group(1) in reasons), reason and reason.group(1)
    assert "_auth_user_id" not in browser.session
    with in_tenant(tenant):
        assert not User.objects.filter(email="sso.buyer@acme.example").exists()
        assert AuditEvent.objects.filter(action="sso.sign_in_refused").exists()


# --------------------------------------------------------------------------- OIDC
def oidc_callback(browser: Any, **replace: str) -> str:
    start = browser.get("/sso/login/")
    url = query_replaced(start["Location"], **replace) if replace else start["Location"]
    back = idp_answer(url)
    assert back.status_code == 302, back.text[:500]
    return local(back.headers["Location"])


def test_oidc_callback_used_twice_is_refused(tenant_a: Any, connect: Any, in_tenant: Any) -> None:
    connect(tenant_a, "oidc")
    browser = spendgate("a.localhost")
    callback = oidc_callback(browser)
    thief = spendgate("a.localhost")  # the callback URL copied into another browser
    assert_refused(thief.get(callback), thief, tenant_a, in_tenant, "state")
    assert browser.get(callback).status_code == 302  # its own browser, once
    again = browser.get(callback)
    assert again.status_code == 403 and b'data-reason="state"' in again.content


def test_oidc_state_and_nonce_of_another_sign_in_are_refused(
    tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "oidc")
    browser = spendgate("a.localhost")
    first = browser.get("/sso/login/")["Location"]
    old_state = first.split("state=")[1].split("&")[0]
    old_nonce = first.split("nonce=")[1].split("&")[0]
    # a second start: the first sign-in's answer no longer counts
    stale = local(idp_answer(first).headers["Location"])
    browser.get("/sso/login/")
    assert_refused(browser.get(stale), browser, tenant_a, in_tenant, "state")
    # the provider signs the nonce it was given: one of another sign-in is refused
    second = browser.get("/sso/login/")["Location"]
    assert old_state not in second
    mixed = local(idp_answer(query_replaced(second, nonce=old_nonce)).headers["Location"])
    assert_refused(browser.get(mixed), browser, tenant_a, in_tenant, "nonce")


@pytest.mark.parametrize("shift", [SKEW_BEYOND, -SKEW_BEYOND], ids=["late", "early"])
def test_oidc_id_token_outside_the_clock_skew_is_refused(
    shift: timedelta, tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "oidc")
    browser = spendgate("a.localhost")
    callback = oidc_callback(browser)
    with time_machine.travel(datetime.now(UTC) + shift):
        answer = browser.get(callback)
    assert_refused(answer, browser, tenant_a, in_tenant, "exp", "iat")


def test_oidc_code_issued_to_another_client_is_refused(
    tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    """The provider answered another relying party (its own client id, same redirect): the
    code is not this tenant's client's, and the token endpoint refuses its exchange."""
    connect(tenant_a, "oidc")
    browser = spendgate("a.localhost")
    callback = oidc_callback(browser, client_id="other-client")
    assert_refused(browser.get(callback), browser, tenant_a, in_tenant, "code_exchange")


def test_oidc_answer_of_another_tenant_is_refused(
    tenant_a: Any, tenant_b: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "oidc")
    connect(tenant_b, "oidc")
    browser_a, browser_b = spendgate("a.localhost"), spendgate("b.localhost")
    browser_a.get("/sso/login/")  # tenant a's own sign-in is under way
    callback_b = oidc_callback(browser_b)
    assert_refused(browser_a.get(callback_b), browser_a, tenant_a, in_tenant, "state")


# ------------------------------------------------ OIDC: the ID token's signature and audience
def _segment(part: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def id_token_resigned(id_token: str, key_pem: bytes, **claims: Any) -> str:
    """The provider's ID token with `claims` changed, signed with `key_pem` under the
    provider's own key id (the relying party picks the provider's key to check it)."""
    header_part, payload_part, _signature = id_token.split(".")
    header = _segment(header_part)
    return jwt.encode(
        {"alg": header["alg"], "kid": header["kid"]},
        {**_segment(payload_part), **claims},
        RSAKey.import_key(key_pem),
    )


class TokenEndpointBetween:
    """The provider as Spendgate reaches it, with its token endpoint's answer passed through
    `forge`: its discovery document (the provider's, the token endpoint pointing here) and a
    token endpoint that forwards the exchange to the provider's and hands its ID token to
    `forge` on the way back. The authorization, the code and the JWKS stay the provider's."""

    def __init__(self, idp: Idp) -> None:
        self.idp = idp
        self.forge: Callable[[str], str] = lambda id_token: id_token
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def discovery_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        between = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _discovery(self) -> dict[str, Any]:
                meta = dict(requests.get(between.idp.discovery_url, timeout=10).json())
                return meta

            def do_GET(self) -> None:
                meta = self._discovery()
                self._answer(200, {**meta, "token_endpoint": f"{between.base}/token/"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                forwarded = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("authorization", "content-type", "accept")
                }
                answer = requests.post(
                    self._discovery()["token_endpoint"], data=body, headers=forwarded, timeout=10
                )
                token = dict(answer.json())
                if "id_token" in token:
                    token["id_token"] = between.forge(token["id_token"])
                self._answer(answer.status_code, token)

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint(idp: Idp) -> Iterator[TokenEndpointBetween]:
    between = TokenEndpointBetween(idp)
    yield between
    between.close()


def _stranger_key() -> bytes:
    return rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _oidc_signed_in_through(tenant: Any, connect: Any, token_endpoint: TokenEndpointBetween) -> Any:
    """Tenant a's OIDC connection reaching the provider through `token_endpoint`; the
    browser that came back from the provider, and its callback's answer."""
    connect(tenant, "oidc", discovery_url=token_endpoint.discovery_url)
    browser = spendgate("a.localhost")
    return browser, browser.get(oidc_callback(browser))


def test_oidc_id_token_passed_through_signs_in(
    tenant_a: Any, connect: Any, in_tenant: Any, token_endpoint: TokenEndpointBetween
) -> None:
    """The provider's own ID token, through the same way as the forged ones below."""
    from apps.accounts.models import User

    browser, answer = _oidc_signed_in_through(tenant_a, connect, token_endpoint)
    assert answer.status_code == 302, answer.content.decode()[:1500]
    with in_tenant(tenant_a):
        user = User.objects.get(email="sso.buyer@acme.example")
        assert browser.session["_auth_user_id"] == str(user.pk)
        assert AuditEvent.objects.filter(action="sso.signed_in", subject_id=str(user.pk))
        assert not AuditEvent.objects.filter(action="sso.sign_in_refused").exists()


def test_oidc_id_token_signed_with_another_key_is_refused(
    tenant_a: Any, connect: Any, in_tenant: Any, token_endpoint: TokenEndpointBetween
) -> None:
    """Every claim as the provider issued it (its issuer, our client id, the nonce), signed by
    a key that is not the provider's."""
    key = _stranger_key()
    token_endpoint.forge = lambda id_token: id_token_resigned(id_token, key)
    browser, answer = _oidc_signed_in_through(tenant_a, connect, token_endpoint)
    assert_refused(answer, browser, tenant_a, in_tenant, "signature")
    assert "signature does not check out" in answer.content.decode()
    with in_tenant(tenant_a):
        event = AuditEvent.objects.get(action="sso.sign_in_refused")
        assert event.data == {"protocol": "oidc", "reason": "signature", "purpose": "sign_in"}


def test_oidc_id_token_for_another_client_is_refused(
    tenant_a: Any, connect: Any, in_tenant: Any, token_endpoint: TokenEndpointBetween, idp: Idp
) -> None:
    """Signed by the provider's own key, for this very sign-in (its nonce), but its audience
    is another client of the provider."""
    key = (idp.data / "oidc-key.pem").read_bytes()
    token_endpoint.forge = lambda id_token: id_token_resigned(id_token, key, aud="other-client")
    browser, answer = _oidc_signed_in_through(tenant_a, connect, token_endpoint)
    assert_refused(answer, browser, tenant_a, in_tenant, "aud")
    assert "meant for another service" in answer.content.decode()
    with in_tenant(tenant_a):
        event = AuditEvent.objects.get(action="sso.sign_in_refused")
        assert event.data == {"protocol": "oidc", "reason": "aud", "purpose": "sign_in"}


# --------------------------------------------------------------------------- SAML
def saml_form(browser: Any, *, issuer: str | None = None) -> str:
    start = browser.get("/sso/login/")["Location"]
    if issuer:
        start = authn_request_reissued(start, issuer)
    form = idp_answer(start)
    assert form.status_code == 200 and "SAMLResponse" in form.text, form.text[:500]
    return str(form.text)


def test_saml_tampered_assertion_is_refused(tenant_a: Any, connect: Any, in_tenant: Any) -> None:
    connect(tenant_a, "saml")
    browser = spendgate("a.localhost")
    form = saml_form(browser)
    xml = saml_xml(form_fields(form)["SAMLResponse"])
    assert ">buyers<" in xml
    tampered = saml_encoded(xml.replace(">buyers<", ">it-admins<"))
    answer = saml_post(browser, form, response=tampered)
    assert_refused(answer, browser, tenant_a, in_tenant, "signature")


def _other_certificate() -> str:
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def test_saml_response_signed_with_another_key_is_refused(
    tenant_a: Any, connect: Any, in_tenant: Any, idp: Any
) -> None:
    """The metadata the tenant uploaded holds another certificate than the key that signs."""
    metadata = re.sub(
        r"(<(?:\w+:)?X509Certificate>)[^<]+(</)", rf"\g<1>{_other_certificate()}\g<2>",
        idp.metadata(),
    )  # fmt: skip
    connect(tenant_a, "saml", metadata=metadata)
    browser = spendgate("a.localhost")
    answer = saml_post(browser, saml_form(browser))
    assert_refused(answer, browser, tenant_a, in_tenant, "signature")


def test_saml_response_replayed_is_refused(tenant_a: Any, connect: Any, in_tenant: Any) -> None:
    from apps.accounts.models import User

    connect(tenant_a, "saml")
    browser = spendgate("a.localhost")
    form = saml_form(browser)
    assert saml_post(browser, form).status_code == 302
    with in_tenant(tenant_a):
        User.objects.filter(email="sso.buyer@acme.example").delete()
    # the same response again: in the browser that used it, and in one that started anew
    again = spendgate("a.localhost")
    assert_refused(saml_post(again, form), again, tenant_a, in_tenant, "state")
    again.get("/sso/login/")  # a sign-in of its own under way: another InResponseTo
    assert_refused(saml_post(again, form), again, tenant_a, in_tenant, "replay")
    browser.logout()
    assert_refused(saml_post(browser, form), browser, tenant_a, in_tenant, "replay", "state")


@pytest.mark.parametrize("shift", [SKEW_BEYOND, -SKEW_BEYOND], ids=["late", "early"])
def test_saml_assertion_outside_the_clock_skew_is_refused(
    shift: timedelta, tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "saml")
    browser = spendgate("a.localhost")
    form = saml_form(browser)
    with time_machine.travel(datetime.now(UTC) + shift):
        answer = saml_post(browser, form)
    assert_refused(answer, browser, tenant_a, in_tenant, "time")


def test_saml_response_for_another_service_is_refused(
    tenant_a: Any, connect: Any, in_tenant: Any
) -> None:
    """The provider answered this very request, but for another service provider (whose
    assertion consumer service is this tenant's): the audience is not ours."""
    connect(tenant_a, "saml")
    browser = spendgate("a.localhost")
    form = saml_form(browser, issuer=OTHER_SP)
    assert OTHER_SP in saml_xml(form_fields(form)["SAMLResponse"])
    assert_refused(saml_post(browser, form), browser, tenant_a, in_tenant, "audience")


def test_saml_response_of_another_tenant_is_refused(
    tenant_a: Any, tenant_b: Any, connect: Any, in_tenant: Any
) -> None:
    connect(tenant_a, "saml")
    connect(tenant_b, "saml")
    browser_a, browser_b = spendgate("a.localhost"), spendgate("b.localhost")
    browser_a.get("/sso/login/")  # tenant a's own sign-in is under way
    form_b = saml_form(browser_b)
    fields = form_fields(form_b)
    # posted to tenant a's assertion consumer service
    hop = browser_a.post("/sso/saml/acs/", {"SAMLResponse": fields["SAMLResponse"]})
    answer = browser_a.post("/sso/saml/acs/", form_fields(hop.content.decode()))
    assert_refused(answer, browser_a, tenant_a, in_tenant)
