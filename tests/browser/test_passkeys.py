"""In the browser, with Chromium's virtual authenticator (DevTools' WebAuthn domain): a partner
person signed in with both steps adds a passkey on /account/security/, signs in again with the
password and answers the second step with the passkey alone; the pages keep to the
Content-Security-Policy (passkeys.js is a file of the site)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser
EMAIL = "browser.passkey@partner.test"


def _password(page: Any, base: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    page.wait_for_url(lambda url: "/account/verify/" in url)


def test_a_partner_person_adds_a_passkey_and_signs_in_with_it(
    page: Any, live_server_url: str, django_db_blocker: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.models import Passkey
    from apps.demo.tenants import ensure_partner_admin
    from apps.tenancy.context import public_context

    with django_db_blocker.unblock(), public_context():
        user = ensure_partner_admin(
            email=EMAIL, partner_name="Test Partners", password=PASSWORD, role="partner_support"
        )
        Passkey.objects.filter(user=user).delete()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="authenticator")
    base = live_server_url.format(host="localhost")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    try:
        _password(page, base)
        page.fill("#id_code", totp_code(device))
        with page.expect_navigation():
            page.click("[data-testid=verify-form] button.primary")
        page.goto(base + "/account/security/")
        page.fill("#passkey-name", "virtual key")
        page.get_by_test_id("add-passkey").click()
        page.wait_for_selector("[data-testid=passkey-row]")
        assert "virtual key" in page.get_by_test_id("passkeys").inner_text()
        # signed out, the password again: the passkey answers the second step
        page.context.clear_cookies()
        _password(page, base)
        with page.expect_navigation():
            page.get_by_test_id("use-passkey").click()
        page.wait_for_url(base + "/partner/")
        with django_db_blocker.unblock(), public_context():
            passkey = Passkey.objects.get(user__email=EMAIL)
            assert passkey.last_used_at is not None
    finally:
        with django_db_blocker.unblock(), public_context():
            Passkey.objects.filter(user__email=EMAIL).delete()
            TOTPDevice.objects.filter(user__email=EMAIL).delete()
