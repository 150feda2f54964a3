"""Accessibility: axe-core (axe-playwright-python) on every page of every role, the same walk as
the page gallery's (tests/browser/gallery.py), so a page a menu or a page links to is checked
as soon as it exists; each page at both of the gallery's widths (on a phone tables scroll and
the menu folds). A violation of impact serious or critical fails the test, listed as page,
width, rule and element. Every rule axe runs by default is kept; none is switched off."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import partner_sign_in
from tests.browser.gallery import WIDTHS, sign_in, walk
from tests.conftest import PASSWORD
from tests.portal.test_words import DEMO_USERS

pytestmark = pytest.mark.browser

FAILING = {"serious", "critical"}


def axe_problems(page: Any, path: str) -> list[str]:
    """The page's serious and critical violations: `path: rule target` for each element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [
        f"{path}: {violation['id']} {' '.join(str(t) for t in node['target'])}"
        f" ({node.get('impact') or violation['impact']}){_colours(node)}"
        for violation in results["violations"]
        for node in violation["nodes"]
        if (node.get("impact") or violation["impact"]) in FAILING
    ]


def axe_at_each_width(page: Any, path: str) -> list[str]:
    """`axe_problems` at each of the gallery's widths, once the page's own resize handlers have
    run (portal.js makes what scrolls sideways focusable)."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        problems += axe_problems(page, f"{path} @{width}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems


def _colours(node: dict[str, Any]) -> str:
    """A contrast failure's colours and ratio, as axe measured them."""
    for found in node.get("any", []):
        data = found.get("data") or {}
        if isinstance(data, dict) and "contrastRatio" in data:
            return f" {data.get('fgColor')} on {data.get('bgColor')}: {data['contrastRatio']}"
    return ""


def test_the_sign_in_page_passes_axe(page: Any, live_server_url: str, demo_tenant: str) -> None:
    base = live_server_url.format(host=f"{demo_tenant}.localhost")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(base + "/login/")
    assert axe_at_each_width(page, "/login/") == []


@pytest.mark.parametrize("local", DEMO_USERS)
def test_every_page_of_every_role_passes_axe(
    page: Any, live_server_url: str, demo_tenant: str, local: str
) -> None:
    base = live_server_url.format(host=f"{demo_tenant}.localhost")
    sign_in(page, base, f"{local}@{demo_tenant}.example", PASSWORD)
    walked = walk(page, base, local, widths=(), check=axe_at_each_width)
    assert len(walked.opened) > 2, f"{local} reached {walked.opened}"
    assert not walked.problems, "\n".join(walked.problems)


def test_every_page_of_the_partner_console_passes_axe(
    page: Any, live_server_url: str, demo_tenant: str, browser_partner: str, django_db_blocker: Any
) -> None:
    base = live_server_url.format(host="localhost")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    partner_sign_in(page, base, django_db_blocker)
    walked = walk(page, base, "partner", widths=(), check=axe_at_each_width)
    assert "/partner/" in walked.opened
    assert not walked.problems, "\n".join(walked.problems)


def test_the_check_finds_what_axe_fails(page: Any) -> None:
    """The check itself: an unlabelled field and faint text fail (and the same page with a
    label and dark text passes)."""
    page.set_content(
        "<html lang='en'><head><title>Bad</title></head><body><main><h1>Bad</h1>"
        "<input type='text'>"
        "<p style='color:#bbb;background:#fff'>faint</p></main></body></html>"
    )
    problems = axe_problems(page, "/bad/")
    rules = {problem.split()[1] for problem in problems}
    assert rules >= {"label", "color-contrast"}, problems
    page.set_content(
        "<html lang='en'><head><title>Good</title></head><body><main><h1>Good</h1>"
        "<label>Name <input type='text'></label>"
        "<p style='color:#333;background:#fff'>dark</p></main></body></html>"
    )
    assert axe_problems(page, "/good/") == []


def test_what_scrolls_sideways_is_a_named_region(
    page: Any, live_server_url: str, demo_tenant: str
) -> None:
    """On a phone a wide table scrolls in its own box: the box takes the keyboard's focus and
    a screen reader names it (the card's heading), in the reader's words."""
    base = live_server_url.format(host=f"{demo_tenant}.localhost")
    sign_in(page, base, f"ap@{demo_tenant}.example", PASSWORD)
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
    page.goto(base + "/invoices/")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    regions = page.eval_on_selector_all(
        ".table-scroll[tabindex='0'], pre[tabindex='0']",
        "boxes => boxes.map(b => [b.getAttribute('role'), b.getAttribute('aria-label')])",
    )
    assert regions, "no table scrolls sideways on a phone here"
    assert all(role == "region" and (name or "").strip() for role, name in regions), regions
