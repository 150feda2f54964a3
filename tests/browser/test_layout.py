"""The page gallery's checks: every demo role signs in to a tenant seeded with the demo's three
months of activity and walks every page it reaches (tests/browser/gallery.py: its menu, then
the links of each page, one page per shape), and the partner walks its console. Each page is
measured in Chromium at 1366 and 375 px. With SPENDGATE_SCREENSHOTS=<folder> (`make
screenshots`) each page is also saved there at each width."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import partner_sign_in
from tests.browser.gallery import sign_in, walk
from tests.conftest import PASSWORD
from tests.portal.test_words import DEMO_USERS

pytestmark = pytest.mark.browser


def _screenshots() -> Path | None:
    folder = os.environ.get("SPENDGATE_SCREENSHOTS")
    return Path(folder) if folder else None


@pytest.mark.parametrize("local", DEMO_USERS)
def test_every_page_of_every_role_fits_both_widths(
    page: Any, live_server_url: str, demo_tenant: str, local: str
) -> None:
    """At 1366 and 375 px: no page wider than the window, no word broken inside a table cell,
    a heading on every page; and no page links to one this role may not open (a 403)."""
    base = live_server_url.format(host=f"{demo_tenant}.localhost")
    sign_in(page, base, f"{local}@{demo_tenant}.example", PASSWORD)
    walked = walk(page, base, local, _screenshots())
    assert len(walked.opened) > 2, f"{local} reached {walked.opened}"
    assert not walked.problems, "\n".join(walked.problems)
    assert not walked.forbidden, f"{local} is shown links it may not open: {walked.forbidden}"


def test_every_page_of_the_partner_console_fits_both_widths(
    page: Any, live_server_url: str, demo_tenant: str, browser_partner: str, django_db_blocker: Any
) -> None:
    base = live_server_url.format(host="localhost")
    page.set_viewport_size({"width": 1366, "height": 900})
    partner_sign_in(page, base, django_db_blocker)
    walked = walk(page, base, "partner", _screenshots())
    assert "/partner/" in walked.opened
    assert not walked.problems, "\n".join(walked.problems)
    # on a phone the menu folds behind its button and opens on a tap
    page.set_viewport_size({"width": 375, "height": 800})
    assert not page.locator("#site-nav").is_visible()
    page.click(".nav-toggle")
    assert page.locator("#site-nav").is_visible()
    page.locator("#site-nav a[href='/partner/operations/']").click()
    page.wait_for_url(base + "/partner/operations/")


def test_the_walk_finds_what_breaks_the_rules(page: Any) -> None:
    """The measure itself: a page that overflows, splits a word in a cell and has no heading
    fails all three checks (and a page that keeps the rules passes)."""
    from tests.browser.gallery import measure

    page.set_content(
        "<main><table><tr><td style='width:3ch;overflow-wrap:anywhere'>Activated</td></tr></table>"
        "<div style='width:2000px'>wide</div></main>"
    )
    problems = measure(page, "/bad/", 1366, None, "test")
    assert len(problems) == 3, problems
    page.set_content("<main><h1>Fine</h1><table><tr><td>Activated</td></tr></table></main>")
    assert measure(page, "/good/", 375, None, "test") == []
