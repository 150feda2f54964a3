"""In the browser: a partner person without an authenticator signs in, is sent to set one up,
reads the key beside the QR code (as an app would scan it), types the app's code, sees the
recovery codes once and reaches the console; the page keeps to the Content-Security-Policy
(the QR code is inline SVG)."""

from __future__ import annotations

from base64 import b32decode
from typing import Any

import pytest

from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser
EMAIL = "browser.enrol@partner.test"


def test_a_partner_person_sets_up_two_step_sign_in_at_the_first_sign_in(
    page: Any, live_server_url: str, django_db_blocker: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.demo.tenants import ensure_partner_admin
    from apps.tenancy.context import public_context

    with django_db_blocker.unblock(), public_context():
        user = ensure_partner_admin(
            email=EMAIL, partner_name="Test Partners", password=PASSWORD, role="partner_support"
        )
        TOTPDevice.objects.filter(user=user).delete()
    base = live_server_url.format(host="localhost")
    try:
        page.goto(base + "/login/")
        page.fill("#id_username", EMAIL)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button.primary")
        page.wait_for_url(lambda url: "/account/security/" in url)
        assert page.locator("[data-testid=mfa-qr] svg").is_visible()
        key = page.get_by_test_id("mfa-key").inner_text().replace(" ", "")
        app = TOTPDevice(key=b32decode(key + "=" * (-len(key) % 8)).hex())
        page.fill("#id_code", totp_code(app))
        with page.expect_navigation():
            page.click("button.primary")
        codes = page.locator("[data-testid=recovery-codes] li")
        assert codes.count() == 10
        with page.expect_navigation():
            page.get_by_test_id("continue").click()
        page.wait_for_url(base + "/partner/")
        menu = page.locator("#site-nav a[data-menu]").evaluate_all(
            "links => links.map(a => a.dataset.menu)"
        )
        assert menu == ["console", "operations", "support", "security"]  # no people page
    finally:
        with django_db_blocker.unblock(), public_context():
            TOTPDevice.objects.filter(user__email=EMAIL).delete()
