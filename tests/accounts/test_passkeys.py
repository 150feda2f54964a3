"""Passkeys as a second factor: a person registers one (its `none` attestation checked) and
answers the second step of signing in with it; the answer is refused for a wrong origin, a
wrong relying party, a replayed challenge, a bad signature and a signature counter that goes
back. Registering and removing are audited; removal is asked for twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.mfa.stepup import SESSION_AT, SESSION_DEVICE
from apps.accounts.models import Passkey, User
from apps.audit.models import AuditEvent
from apps.tenancy.context import public_context
from tests.accounts.authenticator import SoftAuthenticator
from tests.conftest import PASSWORD, host_of, partner_signed_in

pytestmark = pytest.mark.django_db
EMAIL = "partner@partner.test"
ORIGIN = "http://localhost"


def _post(browser: BrowserClient, path: str, body: dict[str, Any] | None = None) -> Any:
    return browser.post(path, json.dumps(body or {}), content_type="application/json")


def _registered(browser: BrowserClient, name: str = "work laptop") -> SoftAuthenticator:
    authenticator = SoftAuthenticator()
    options = _post(browser, "/account/passkeys/register/options/").json()
    credential = authenticator.create(options, origin=ORIGIN)
    answer = _post(browser, "/account/passkeys/register/", {"name": name, "credential": credential})
    assert answer.status_code == 200, answer.content
    authenticator.options = options  # type: ignore[attr-defined]
    return authenticator


def _password_only(host: str = "localhost", email: str = EMAIL) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=host)
    assert browser.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return browser


def _verify(
    browser: BrowserClient, authenticator: SoftAuthenticator, **how: Any
) -> tuple[Any, dict[str, Any]]:
    options = _post(browser, "/account/passkeys/verify/options/").json()
    origin = how.pop("origin", ORIGIN)
    credential = authenticator.get(options, origin=origin, **how)
    answer = _post(
        browser, "/account/passkeys/verify/", {"credential": credential, "next": "/partner/"}
    )
    return answer, credential


def test_a_passkey_registered_then_answers_the_second_step(tenant_a: Any) -> None:
    authenticator = _registered(partner_signed_in(EMAIL))
    with public_context():
        user = User.objects.get(email=EMAIL)
        passkey = Passkey.objects.get(user=user)
        assert bytes(passkey.credential_id) == authenticator.credential_id
        assert passkey.name == "work laptop" and passkey.transports == ["internal"]
        event = AuditEvent.objects.get(
            action="mfa_device.passkey_registered", subject_id=str(user.pk)
        )
        assert event.actor == EMAIL and event.after["device"] == "work laptop"
    options = authenticator.options  # type: ignore[attr-defined]
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == EMAIL

    browser = _password_only()
    assert browser.get("/partner/")["Location"].startswith("/account/verify/")
    page = browser.get("/account/verify/?next=/partner/").content.decode()
    assert 'data-testid="use-passkey"' in page and "js/passkeys.js" in page
    answer, _credential = _verify(browser, authenticator)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"next": "/partner/"}
    assert browser.get("/partner/").status_code == 200
    # step-up reads this: a passkey counts as a fresh second factor as a typed code does
    factor_at = datetime.fromtimestamp(browser.session[SESSION_AT], tz=UTC)
    assert abs(timezone.now() - factor_at).total_seconds() < 60
    assert browser.session[SESSION_DEVICE] == "work laptop"
    with public_context():
        passkey.refresh_from_db()
        assert passkey.sign_count == 1 and passkey.last_used_at is not None


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ({"origin": "http://evil.localhost"}, "origin"),
        ({"origin": "https://localhost"}, "origin"),
        ({"rp_id": "evil.localhost"}, "RP ID"),
        ({"signing_key": "another key"}, "signature"),
        ({"sign_count": 1}, "sign count"),  # the counter is 1 after the first use: not greater
        ({"sign_count": 0}, "sign count"),
    ],
    ids=[
        "wrong-origin",
        "wrong-scheme",
        "wrong-rp-id",
        "bad-signature",
        "count-stands-still",
        "count-goes-back",
    ],
)
def test_a_passkey_answer_is_refused(tenant_a: Any, how: dict[str, Any], why: str) -> None:
    authenticator = _registered(partner_signed_in(EMAIL))
    first = _password_only()
    assert _verify(first, authenticator)[0].status_code == 200  # the counter is now 1
    if how.get("signing_key") == "another key":
        how = {"signing_key": ec.generate_private_key(ec.SECP256R1())}
    browser = _password_only()
    answer, _credential = _verify(browser, authenticator, **how)
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "validation_error"
    assert why in answer.json()["detail"], answer.json()
    assert browser.get("/partner/").status_code == 302  # still asked for the second step
    with public_context():
        assert Passkey.objects.get(user__email=EMAIL).sign_count == 1


def test_a_challenge_is_used_once(tenant_a: Any) -> None:
    authenticator = _registered(partner_signed_in(EMAIL))
    browser = _password_only()
    answer, credential = _verify(browser, authenticator)
    assert answer.status_code == 200
    # the same signed answer again (a replay), in a fresh password-only session
    replay = _password_only()
    again = _post(replay, "/account/passkeys/verify/", {"credential": credential})
    assert again.status_code == 422 and "expired or was already used" in again.json()["detail"]
    assert replay.get("/partner/").status_code == 302
    # a fresh challenge in that session, answered: it works once, the same answer again not
    options = _post(replay, "/account/passkeys/verify/options/").json()
    credential = authenticator.get(options, origin=ORIGIN)
    assert _post(replay, "/account/passkeys/verify/", {"credential": credential}).status_code == 200
    second = _post(replay, "/account/passkeys/verify/", {"credential": credential})
    assert second.status_code == 422 and "already used" in second.json()["detail"]


def test_registration_is_refused_for_a_wrong_origin_or_before_the_second_step(
    tenant_a: Any,
) -> None:
    browser = partner_signed_in(EMAIL)
    options = _post(browser, "/account/passkeys/register/options/").json()
    credential = SoftAuthenticator().create(options, origin="http://evil.localhost")
    refused = _post(browser, "/account/passkeys/register/", {"credential": credential})
    assert refused.status_code == 422
    wrong_rp = SoftAuthenticator().create(
        _post(browser, "/account/passkeys/register/options/").json(),
        origin=ORIGIN,
        rp_id="evil.localhost",
    )
    assert (
        _post(browser, "/account/passkeys/register/", {"credential": wrong_rp}).status_code == 422
    )
    # the person has an authenticator: a password-only session may not add a passkey
    assert _post(_password_only(), "/account/passkeys/register/options/").status_code == 403
    with public_context():
        user = User.objects.get(email=EMAIL)
        assert not Passkey.objects.filter(user=user).exists()
        registered = AuditEvent.objects.filter(action="mfa_device.passkey_registered")
        assert not registered.filter(subject_id=str(user.pk)).exists()


def test_a_tenant_user_registers_a_passkey_for_their_tenants_host(
    tenant_a: Any, tenant_b: Any, make_user: Any, in_tenant: Any
) -> None:
    user = make_user(tenant_a, "keyholder", ["requester"])
    host = host_of(tenant_a)
    browser = _password_only(host, user.email)
    options = _post(browser, "/account/passkeys/register/options/").json()
    assert options["rp"]["id"] == host.split(":")[0]
    credential = SoftAuthenticator().create(options, origin=f"http://{host}")
    answer = _post(browser, "/account/passkeys/register/", {"credential": credential})
    assert answer.status_code == 200, answer.content
    with in_tenant(tenant_a):
        assert Passkey.objects.filter(user__email=user.email).count() == 1
    with in_tenant(tenant_b):
        assert not Passkey.objects.exists()  # in the schema the person lives in
    with public_context():
        assert not Passkey.objects.filter(user__email=user.email).exists()


def test_removing_a_passkey_is_asked_for_twice_and_audited(tenant_a: Any) -> None:
    browser = partner_signed_in(EMAIL)
    _registered(browser)
    with public_context():
        passkey = Passkey.objects.get(user__email=EMAIL)
    page = browser.get("/account/security/").content.decode()
    assert 'data-testid="passkey-row"' in page and "work laptop" in page
    path = f"/account/passkeys/{passkey.pk}/remove/"
    asked = browser.post(path, {"back": "/account/security/"})
    assert asked.status_code == 200 and "Remove the passkey" in asked.content.decode()
    with public_context():
        assert Passkey.objects.filter(user__email=EMAIL).exists()
    done = browser.post(path, {"back": "/account/security/", "confirmation": "given"})
    assert done.status_code == 302
    with public_context():
        assert not Passkey.objects.filter(user__email=EMAIL).exists()
        removed = AuditEvent.objects.filter(action="mfa_device.passkey_removed")
        assert removed.filter(actor=EMAIL).count() == 1
    # someone else's passkey (or one gone) is not found, before any confirmation step
    assert browser.post(path, {"confirmation": "given"}).status_code == 404
    assert browser.post(path).status_code == 404
