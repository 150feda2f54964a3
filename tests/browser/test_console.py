"""In the browser: the partner finds a client's portal link on the console, opens the client,
picks a brand colour and sees the preview and the contrast warning follow at once, then takes
the proposed darker shade with one click (nothing is saved until the partner saves)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import partner_sign_in

pytestmark = pytest.mark.browser


def _topbar(page: Any) -> str:
    return page.eval_on_selector(
        "[data-testid=preview-topbar]", "el => getComputedStyle(el).backgroundColor"
    )


def test_partner_changes_a_colour_in_the_preview_and_is_warned_live(
    page: Any,
    live_server_url: str,
    browser_users: dict[str, str],
    browser_partner: str,
    django_db_blocker: Any,
) -> None:
    from apps.tenancy.models import Client

    base = live_server_url.format(host="localhost")
    partner_sign_in(page, base, django_db_blocker)
    page.goto(base + "/partner/")
    row = page.locator("tr[data-tenant=tenanta]")
    portal = row.get_by_test_id("open-portal").get_attribute("href")
    assert portal.startswith("http://a.localhost:") and portal.endswith("/")

    row.get_by_test_id("manage").click()
    page.wait_for_url(base + "/partner/tenants/tenanta/")
    warning = page.get_by_test_id("contrast-primary_color").get_by_test_id("contrast-warning")
    assert _topbar(page) == "rgb(11, 95, 255)"  # the saved #0B5FFF
    assert warning.is_hidden()

    page.fill("#id_primary_color", "#ffd700")  # gold: white on it does not read
    assert _topbar(page) == "rgb(255, 215, 0)"
    assert warning.is_visible()
    assert "1.40:1" in warning.inner_text()
    assert warning.get_by_test_id("proposed-shade").inner_text() == "#8A7400"
    # the preview puts dark text on the light colour (a dark shade of it), as the portal will
    text = page.eval_on_selector("[data-testid=preview-topbar]", "el => getComputedStyle(el).color")
    assert text == "rgb(79, 67, 0)"

    warning.get_by_test_id("use-shade").click()
    assert page.input_value("#id_primary_color") == "#8a7400"
    assert _topbar(page) == "rgb(138, 116, 0)"
    assert warning.is_hidden()
    assert page.url == base + "/partner/tenants/tenanta/"  # only previewed

    page.fill("#id_primary_color", "#0b5fff")
    assert warning.is_hidden()
    with django_db_blocker.unblock():
        assert Client.objects.get(slug="tenanta").primary_color == "#0B5FFF"  # nothing saved


_LOOK = "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color]; }"
# a link as the portal draws one: its own rules, whatever the page around it
_LINK = """() => {
  const a = document.createElement("a");
  a.href = "#";
  a.textContent = "link";
  document.body.appendChild(a);
  const colour = getComputedStyle(a).color;
  a.remove();
  return colour;
}"""


def test_the_preview_shows_the_colours_the_portal_really_shows(
    page: Any,
    live_server_url: str,
    browser_users: dict[str, str],
    browser_partner: str,
    django_db_blocker: Any,
) -> None:
    """The colour picked in the preview, then saved: the tenant's own pages draw their top
    bar, buttons and links exactly as the preview drew them."""
    from apps.tenancy.models import Client

    base = live_server_url.format(host="localhost")
    partner_sign_in(page, base, django_db_blocker)
    page.goto(base + "/partner/tenants/tenanta/")
    page.fill("#id_primary_color", "#ffd700")
    preview = {
        "topbar": page.eval_on_selector("[data-testid=preview-topbar]", _LOOK),
        "button": page.eval_on_selector("[data-testid=preview-button]", _LOOK),
        "link": page.eval_on_selector(".console-preview-link", "el => getComputedStyle(el).color"),
    }
    with django_db_blocker.unblock():
        Client.objects.filter(slug="tenanta").update(primary_color="#FFD700")
    try:
        page.goto(live_server_url.format(host="a.localhost") + "/login/")
        portal = {
            "topbar": page.eval_on_selector("header.topbar", _LOOK),
            "button": page.eval_on_selector("button.primary", _LOOK),
            "link": page.evaluate(_LINK),
        }
    finally:
        with django_db_blocker.unblock():
            Client.objects.filter(slug="tenanta").update(primary_color="#0B5FFF")
    assert portal["topbar"] == ["rgb(255, 215, 0)", "rgb(79, 67, 0)"]  # dark gold text on gold
    assert portal["link"] == "rgb(133, 112, 0)"  # the shade that reads on the page and on white
    assert preview == portal
