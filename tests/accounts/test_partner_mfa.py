"""Two-step sign-in for partner people: the console opens only after a code from their
authenticator app (set up at the first sign-in), wrong codes are refused and slowed, recovery
codes work once, the token endpoint asks for `otp` (and refuses whoever has not set one up),
and each set-up and removal is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.mfa.views import PENDING_KEY
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.conftest import (
    PASSWORD,
    authenticator_set_up,
    partner_authenticator,
    partner_signed_in,
    totp_code,
)

pytestmark = pytest.mark.django_db
EMAIL = "support@partner.test"


def _password_only(email: str = EMAIL) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="localhost")
    assert browser.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return browser


def _token(body: dict[str, str]) -> Any:
    return APIClient(HTTP_HOST="localhost").post(
        "/api/v1/auth/token/", {"username": EMAIL, "password": PASSWORD, **body}, format="json"
    )


def test_without_an_authenticator_the_console_sends_to_set_up_first(tenant_a: Any) -> None:
    browser = _password_only()
    for path in (
        "/partner/",
        "/partner/operations/",
        "/partner/tenants/tenanta/",
        "/partner/people/",
    ):
        answer = browser.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/account/security/?next="), path
    api = browser.get("/api/v1/partner/tenants/")
    assert api.status_code == 403 and api.json()["code"] == "mfa_enrolment_required"
    page = browser.get("/account/security/").content.decode()
    assert 'data-testid="mfa-qr"' in page and "<svg" in page
    key = browser.session[PENDING_KEY]
    assert browser.get("/account/security/").status_code == 200
    assert browser.session[PENDING_KEY] == key  # a reload keeps the key the app scanned


def test_setting_up_the_authenticator_shows_recovery_codes_once_and_is_audited(
    tenant_a: Any,
) -> None:
    user = User.objects.get(email=EMAIL)
    refused = _token({})  # no token with the password alone, before the set-up either
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_enrolment_required"
    # a token the person held from before two-step sign-in was required of them
    old_token = Token.objects.create(user=user).key
    browser = _password_only()
    browser.get("/account/security/")
    wrong = browser.post("/account/security/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.content.decode()
    shown = authenticator_set_up(browser)
    assert 'data-testid="recovery-codes"' in shown and shown.count("<li><code>") == 10
    assert browser.get("/partner/").status_code == 200  # the session is verified
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    event = AuditEvent.objects.get(action="mfa_device.enrolled", subject_id=str(user.pk))
    assert event.actor == EMAIL and event.data["api_tokens_ended"] == 1
    ended = APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {old_token}")
    assert ended.get("/api/v1/partner/tenants/").status_code == 401
    status = browser.get("/account/security/").content.decode()
    assert "10 recovery codes left." in status  # the codes themselves are not shown again


def test_with_an_authenticator_the_password_alone_does_not_open_the_console(
    settings: Any, tenant_a: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the back-off has its own test
    device = partner_authenticator(User.objects.get(email=EMAIL))
    browser = _password_only()
    asked = browser.get("/partner/")
    assert asked.status_code == 302 and asked["Location"].startswith("/account/verify/")
    api = browser.get("/api/v1/partner/tenants/")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"
    # nor may the authenticator be changed before the code
    assert browser.get("/account/security/")["Location"].startswith("/account/verify/")
    wrong = browser.post("/account/verify/", {"code": "123456", "next": "/partner/"})
    assert wrong.status_code == 422 and "not right" in wrong.content.decode()
    assert browser.get("/partner/").status_code == 302
    right = browser.post("/account/verify/", {"code": totp_code(device), "next": "/partner/"})
    assert right.status_code == 302 and right["Location"] == "/partner/"
    assert browser.get("/partner/").status_code == 200
    # a code once used is not taken again
    replay = _password_only()
    again = replay.post("/account/verify/", {"code": totp_code(device), "next": "/partner/"})
    assert again.status_code == 422


def test_a_recovery_code_works_once(tenant_a: Any) -> None:
    browser = _password_only()
    shown = authenticator_set_up(browser)
    code = shown.split("<li><code>", 1)[1].split("</code>", 1)[0]
    first = _password_only()
    assert first.post("/account/verify/", {"code": code}).status_code == 302
    assert first.get("/partner/").status_code == 200
    second = _password_only()
    assert second.post("/account/verify/", {"code": code}).status_code == 422


def test_wrong_codes_back_off_and_count_against_the_account(tenant_a: Any) -> None:
    device = partner_authenticator(User.objects.get(email=EMAIL))
    browser = _password_only()
    browser.post("/account/verify/", {"code": "000000"})
    slowed = browser.post("/account/verify/", {"code": totp_code(device)})
    assert slowed.status_code == 422 and "Too many wrong codes" in slowed.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_wrong_codes_meet_the_sign_in_rate(settings: Any, tenant_a: Any) -> None:
    from django.core.cache import cache

    settings.SIGN_IN_RATES = {"address": "1000/min", "identity": "2/hour"}
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    cache.clear()
    partner_authenticator(User.objects.get(email=EMAIL))
    browser = _password_only()
    try:
        for _ in range(2):
            assert browser.post("/account/verify/", {"code": "000000"}).status_code == 422
        locked = browser.post("/account/verify/", {"code": "000000"})
        assert locked.status_code == 429 and locked["Retry-After"]
    finally:
        cache.clear()


def test_the_token_endpoint_asks_for_the_code(settings: Any, tenant_a: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    # no authenticator yet: refused, as the console refuses them, and told where to set one up
    unenrolled = _token({})
    assert unenrolled.status_code == 403
    assert unenrolled.json()["code"] == "mfa_enrolment_required"
    assert "/account/security/" in unenrolled.json()["detail"]
    device = partner_authenticator(User.objects.get(email=EMAIL))
    missing = _token({})
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    assert missing.json()["detail"].endswith(".")
    wrong = _token({"otp": "000000"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    right = _token({"otp": totp_code(device)})
    assert right.status_code == 200 and right.json()["token"]
    api = APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert api.get("/api/v1/partner/tenants/").status_code == 200
    bad_password = APIClient(HTTP_HOST="localhost").post(
        "/api/v1/auth/token/",
        {"username": EMAIL, "password": "wrong", "otp": totp_code(device, ahead=1)},
        format="json",
    )
    assert bad_password.status_code == 401 and bad_password.json()["code"] == "invalid_credentials"


def test_tenant_hosts_do_not_ask_for_a_code(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    """A tenant user whose id is a partner user's id in the public schema is someone else."""
    partner_authenticator(User.objects.get(email="partner@partner.test"))
    person = make_user(tenant_a, "mfa.admin", ["tenant_admin"])
    assert api_for(tenant_a, person).get("/api/v1/users/").status_code == 200


def test_removing_the_authenticator_is_confirmed_audited_and_asks_for_a_new_one(
    tenant_a: Any,
) -> None:
    browser = partner_signed_in(EMAIL)
    user = User.objects.get(email=EMAIL)
    asked = browser.post("/account/security/", {"action": "remove"})
    assert asked.status_code == 200 and "Remove the authenticator" in asked.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    done = browser.post("/account/security/", {"action": "remove", "confirmation": "given"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="mfa_device.removed", subject_id=str(user.pk)).exists()
    assert browser.get("/partner/")["Location"].startswith("/account/security/")


def test_an_admin_resets_someones_authenticator(partner_api: APIClient) -> None:
    user = User.objects.get(email=EMAIL)
    partner_authenticator(user)
    reset = partner_api.post(f"/api/v1/partner/users/{user.pk}/reset-mfa/")
    assert reset.status_code == 200 and reset.json()["two_step"] is False
    assert AuditEvent.objects.filter(
        action="partner_user.mfa_reset", subject_id=str(user.pk)
    ).exists()
    again = partner_api.post(f"/api/v1/partner/users/{user.pk}/reset-mfa/")
    assert again.status_code == 409


def test_a_non_partner_user_has_no_security_page(tenant_a: Any) -> None:
    User.objects.create_user(email="plain@public.test", password=PASSWORD)
    browser = BrowserClient(HTTP_HOST="localhost")
    browser.post("/login/", {"username": "plain@public.test", "password": PASSWORD})
    assert browser.get("/account/security/").status_code == 403
