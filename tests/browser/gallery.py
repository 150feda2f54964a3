"""The page gallery's one walk: every page a role can reach, measured at each width.

A role signs in, opens its menu, and from every page it opens follows the links to pages of
a shape it has not seen yet (a shape is the path with ids and numbers made generic, so the
first requisition stands for all of them), two links deep. Nothing is listed by hand: a new
page is walked as soon as a menu or a page links to it. Used by tests/browser/test_layout.py
(which fails on what `problems` finds), by tests/browser/test_accessibility.py (the same walk
with axe-core's check on each page) and by `make screenshots` (the layout test with
SPENDGATE_SCREENSHOTS set to a folder, where each page is saved at each width)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIDTHS = (1366, 375)
DEPTH = 2  # menu page → a record → what the record links to
# not pages: files, sign-out, the framework's admin, the API and its schema, development tools
SKIP = re.compile(
    r"^/(logout|admin|api|static|media|branding|dev)(/|$)"
    r"|/(pdf|csv|xml|download|original|file|pain001|export)/?$"
    r"|\.(pdf|csv|xml|zip|png|jpg|json|eml)$"
)
SHAPES = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "{id}"),
    (re.compile(r"(?<=/)[0-9]+(?=/|$)"), "{n}"),
)

# Words split over two lines inside a table cell (each whitespace-separated word's text range
# spread over more than one line box), the page's widest elements, and its first <h1>.
MEASURE = """(width) => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode()) && broken.length < 5) {
      const words = /\\S+/g;
      let m;
      while ((m = words.exec(node.textContent)) && broken.length < 5) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects())
          .filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter((e) => e.getBoundingClientRect().right > width + 1)
    .filter((e) => !e.closest('.table-scroll'))
    .slice(0, 3)
    .map((e) => e.tagName.toLowerCase() + '.' + e.className + ' '
      + (e.textContent || '').trim().slice(0, 40));
  const h1 = document.querySelector('main h1, body h1');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    broken: broken,
    wide: wide,
    h1: h1 ? h1.textContent.trim() : '',
  };
}"""


@dataclass
class Walk:
    """What one role's walk opened and what it found wrong."""

    role: str
    opened: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # links to a page this role may not open (403): test_layout fails on them too
    forbidden: list[str] = field(default_factory=list)


# a check run once on every page the walk opens (at the first width): what it finds wrong
Check = Callable[[Any, str], list[str]]


def shape(path: str) -> str:
    for pattern, placeholder in SHAPES:
        path = pattern.sub(placeholder, path)
    return path


def _links(page: Any, selector: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        selector, "els => els.map(a => a.getAttribute('href') || '')"
    )
    paths = []
    for href in hrefs:
        if not href.startswith("/") or href.startswith("//"):
            continue  # another host (a tenant's portal from the console), mail, anchors
        path = href.split("#")[0].split("?")[0]
        if path and not SKIP.search(path):
            paths.append(path)
    return list(dict.fromkeys(paths))


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(base + "/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)  # a supplier lands on its portal


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", shape(path).lower()).strip("-") or "home"


def measure(page: Any, path: str, width: int, screenshots: Path | None, role: str) -> list[str]:
    """The page as it is at `width`: what breaks the layout rules (and its picture, if asked)."""
    page.set_viewport_size({"width": width, "height": 900})
    found = page.evaluate(MEASURE, width)
    if screenshots is not None:
        folder = screenshots / role
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{_slug(path)}-{width}.png"), full_page=True)
    problems = []
    if found["scrollWidth"] > width:
        problems.append(f"{path} @{width}: {found['scrollWidth']} px wide {found['wide']}")
    if found["broken"]:
        problems.append(f"{path} @{width}: words broken in a table cell {found['broken']}")
    if not found["h1"]:
        problems.append(f"{path} @{width}: no <h1>")
    return problems


def walk(
    page: Any,
    base: str,
    role: str,
    screenshots: Path | None = None,
    *,
    widths: tuple[int, ...] = WIDTHS,
    check: Check | None = None,
) -> Walk:
    """Every page the signed-in role reaches from its menu, measured at each of `widths`, and
    `check`ed once (at the first width) when a check is given."""
    result = Walk(role)
    page.goto(base + "/")
    start = list(dict.fromkeys(["/", *_links(page, "#site-nav a[href]")]))
    seen = {shape(p) for p in start}
    queue: list[tuple[str, int]] = [(p, 0) for p in start]
    for path, depth in _queue(queue):
        try:
            response = page.goto(base + path)
        except Exception as failure:
            if "Download is starting" in str(failure):
                continue  # a link that downloads a file is not a page
            result.problems.append(f"{path}: {str(failure).splitlines()[0]}")
            continue
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if page.locator('[hx-trigger*="load"]').count():
            # what HTMX loads into the page is measured too (only such pages wait for it:
            # network idle costs half a second a page)
            page.wait_for_load_state("networkidle")
        if response.status == 403:
            result.forbidden.append(path)
            continue
        if response.status >= 400:
            result.problems.append(f"{path}: HTTP {response.status}")
            continue
        landed = page.url.removeprefix(base).split("?")[0]
        result.opened.append(landed)
        for width in widths:
            result.problems += measure(page, landed, width, screenshots, role)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        if check is not None:
            result.problems += check(page, landed)
        if depth >= DEPTH:
            continue
        for link in _links(page, "main a[href]"):
            if shape(link) not in seen:
                seen.add(shape(link))
                queue.append((link, depth + 1))
    return result


def _queue(queue: list[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """Breadth first, while the walk appends to it."""
    index = 0
    while index < len(queue):
        yield queue[index]
        index += 1
