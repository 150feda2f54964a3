"""Pages speak in words and business numbers: every page each demo role opens (its menu pages
and the records they link to) is rendered with the demo's data, and its visible text holds no
raw code from the label registry and no UUID where a business number exists."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.test import Client as BrowserClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
DETAIL = re.compile(
    r'href="(/(?:requisitions|purchase-orders|suppliers|invoices|exceptions|payments)/'
    r'[0-9a-f-]{36}/)"'
)
DEMO_USERS = [
    "requester", "approver", "manager", "buyer", "receiver", "ap", "apmanager", "auditor",
    "admin", "compliance", "supplier",
]  # fmt: skip


def visible_text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style|//template|//head"):
        hidden.drop_tree()
    # each text node apart: codes in neighbouring cells or options must not run together
    return " ".join(" ".join(tree.itertext()).split())


def raw_codes() -> set[str]:
    from apps.portal.labels import registry_codes

    # codes that are not plain words: `price_variance`, `approval.step_opened`, `three_way`
    return {code for code in registry_codes() if "_" in code or "." in code}


def pages_of(browser: BrowserClient) -> list[str]:
    """The role's menu pages and, on each, the first record of every kind it links to."""
    home = browser.get("/", follow=True)
    menu = ["/", *re.findall(r'href="([^"]+)" data-menu=', home.text)]
    found: list[str] = []
    for path in menu:
        found.append(path)
        page = browser.get(path)
        seen: set[str] = set()
        for link in DETAIL.findall(page.text):
            kind = link.split("/")[1]
            if kind not in seen:
                seen.add(kind)
                found.append(link)
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("local", DEMO_USERS)
def test_no_page_shows_a_raw_code_or_a_uuid(demo_data: None, local: str) -> None:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    signed = browser.post("/login/", {"username": f"{local}@tenanta.example", "password": PASSWORD})
    assert signed.status_code == 302
    codes = raw_codes()
    problems: list[str] = []
    for path in pages_of(browser):
        response = browser.get(path, follow=True)
        assert response.status_code == 200, (local, path, response.status_code)
        text = visible_text(response.content.decode())
        for code in sorted(codes):
            if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w])", text):
                problems.append(f"{path}: {code}")
        problems += [f"{path}: {uuid}" for uuid in UUID.findall(text)]
    assert not problems, "\n".join(problems)


def test_every_code_has_its_label() -> None:
    from apps.portal.labels import missing_labels

    assert missing_labels() == {k: set() for k in missing_labels()}


def test_quantities_drop_trailing_zeros() -> None:
    from apps.portal.templatetags.words import quantity

    assert quantity("12.000") == "12" and quantity("2.50") == "2.5"


def _signed(local: str) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": f"{local}@tenanta.example", "password": PASSWORD})
    return browser


def test_the_demo_pages_finish_the_story(demo_data: None) -> None:
    # the supplier list says whose documents expire soon
    expiring = _signed("buyer").get("/suppliers/?expiring=30").text
    assert "Fabrikam Security Services" in expiring and 'data-testid="expiring"' in expiring
    assert "Contoso Office Supply" not in expiring
    # the manager's inbox marks what is overdue or escalated
    inbox = _signed("manager").get("/tasks/").text
    assert 'class="overdue"' in inbox
    # an order's page has its line amounts, receipts, invoices and the acknowledgement
    receiver = _signed("receiver")
    orders = receiver.get("/purchase-orders/?status=received").text
    first = DETAIL.findall(orders)[0]
    page = receiver.get(first).text
    for part in ('data-testid="line-amount"', 'data-testid="receipts"', "GR-", "acknowledg"):
        assert part in page, part
    assert 'data-testid="order-invoices"' in receiver.get(first).text  # receivers read invoices
