"""Playwright driving Debian's system Chromium (never a downloaded browser).

Without Chromium the browser tests are skipped locally; with SPENDGATE_REQUIRE_BROWSER=1 (set
by .ci/run) a missing browser is a failure. A failing test leaves a screenshot in
test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(browser_users: dict[str, str]) -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("SPENDGATE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would refuse
    # every ORM call of pytest-django's per-test set-up while it lives. Allowed for this
    # module only: the server under test runs in its own process.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def demo_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A tenant of its own holding the demo (committed, for the server), dropped afterwards: the
    page walks of test_layout and test_accessibility only read, so they share it."""
    from django.db import connection

    from apps.accounts.models import User
    from apps.demo.suppliers import ensure_sanctions_list
    from apps.demo.tenants import seed_tenant
    from apps.tenancy.context import public_context
    from apps.tenancy.models import Client
    from apps.tenancy.services import tenant_provision

    slug = f"lay{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        partner = User.objects.get(email="partner@partner.test")
        tenant = tenant_provision(
            actor=partner, slug=slug, name=slug, domain=f"{slug}.localhost", brand={}
        )
        with public_context():
            ensure_sanctions_list()
        seed_tenant(tenant, password=PASSWORD)
        connection.set_schema_to_public()
        try:
            yield slug
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{slug}" CASCADE')
            Client.objects.filter(slug=slug).delete()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: Any) -> Iterator[Any]:
    """A browser page; every page it opens must keep to the Content-Security-Policy (a refused
    script, style or handler is a failure of the test, not a console note)."""
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not refused, refused


@pytest.fixture(scope="session")
def browser_users(django_db_setup: None, django_db_blocker: Any) -> dict[str, str]:
    """Committed users the browser can sign in with (one per session tenant)."""
    from apps.accounts.services import user_ensure
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    users = {}
    with django_db_blocker.unblock():
        for slug in ("tenanta", "tenantb"):
            with tenant_context(Client.objects.get(slug=slug)):
                email = f"browser.admin@{slug}.test"
                user_ensure(
                    email=email, password=PASSWORD, roles=["tenant_admin"], first_name="Browsing"
                )
                users[slug] = email
    return users


# the partner console signs in with two steps: a partner admin of "Test Partners" kept for the
# browser, with an authenticator whose key the tests know (committed, as the server reads it)
BROWSER_PARTNER = "browser.partner@partner.test"
BROWSER_PARTNER_KEY = "3132333435363738393031323334353637383930"


@pytest.fixture(scope="session")
def browser_partner(django_db_setup: None, django_db_blocker: Any) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.demo.tenants import ensure_partner_admin
    from apps.tenancy.context import public_context

    with django_db_blocker.unblock(), public_context():
        user = ensure_partner_admin(
            email=BROWSER_PARTNER, partner_name="Test Partners", password=PASSWORD
        )
        TOTPDevice.objects.update_or_create(
            user=user,
            name="authenticator",
            defaults={"key": BROWSER_PARTNER_KEY, "confirmed": True},
        )
    return BROWSER_PARTNER


def partner_sign_in(page: Any, base: str, django_db_blocker: Any) -> None:
    """Sign in to the partner console as `BROWSER_PARTNER`: the password, then the code its
    authenticator shows now (the device may take a code of this step again: a test before this
    one may have used it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.tenancy.context import public_context
    from tests.conftest import totp_code

    with django_db_blocker.unblock(), public_context():
        device = TOTPDevice.objects.get(user__email=BROWSER_PARTNER)
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
        )
    page.goto(base + "/login/")
    page.fill("#id_username", BROWSER_PARTNER)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    page.wait_for_url(lambda url: "/account/verify/" in url)
    page.fill("#id_code", totp_code(device))
    with page.expect_navigation():
        page.click("button.primary")
    page.wait_for_url(lambda url: "/account/" not in url)
