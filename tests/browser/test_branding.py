"""Each tenant's login page shows its own name and colours; a user signs in in the browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("host", "portal", "rgb", "other"),
    [
        ("a.localhost", "Alpha Purchasing", "rgb(11, 95, 255)", "Beta Buying Desk"),
        ("b.localhost", "Beta Buying Desk", "rgb(214, 51, 108)", "Alpha Purchasing"),
    ],
)
def test_login_page_shows_the_tenants_own_brand(
    page: Any, live_server_url: str, host: str, portal: str, rgb: str, other: str
) -> None:
    page.goto(live_server_url.format(host=host) + "/login/")
    assert page.get_by_test_id("portal-name").inner_text() == portal
    assert page.title().endswith(portal)
    topbar = page.eval_on_selector(".topbar", "el => getComputedStyle(el).backgroundColor")
    assert topbar == rgb
    button = page.eval_on_selector("button.primary", "el => getComputedStyle(el).backgroundColor")
    assert button == rgb
    assert other not in page.content()
    body = page.inner_text("body")
    assert "{#" not in body and "{%" not in body and "{{" not in body


def test_admin_signs_in_and_reaches_settings(
    page: Any, live_server_url: str, browser_users: dict[str, str]
) -> None:
    base = live_server_url.format(host="a.localhost")
    page.goto(base + "/settings/")
    assert "/login/" in page.url
    page.fill("#id_username", browser_users["tenanta"])
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(base + "/settings/")
    assert page.get_by_test_id("users").is_visible()
    assert browser_users["tenanta"] in page.inner_text("[data-testid=users]")
    assert page.get_by_test_id("portal-name").inner_text() == "Alpha Purchasing"
