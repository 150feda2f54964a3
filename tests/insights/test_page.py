"""`/insights/` and `GET /api/v1/insights/` on the hand-built month: every linked figure
opens a list of exactly its rows, CSV of the tables, refusals, and queries that do not grow
with the rows."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient

from tests.conftest import PASSWORD, count_queries, host_of

from .conftest import Books, _invoice, at

pytestmark = pytest.mark.django_db


def signed_in(user: Any, tenant: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=host_of(tenant))
    response = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def tile_links(page: str) -> dict[str, tuple[str, int]]:
    """{kpi: (link, number shown)} of the tiles whose figure is a count."""
    found = {}
    for chunk in page.split('data-kpi="')[1:]:
        kpi = chunk.split('"', 1)[0]
        tile = re.search(
            r'href="([^"]+)" data-testid="tile-link">([^<]+)<', chunk.split("</details>")[0]
        )
        if tile:
            found[kpi] = (html.unescape(tile.group(1)), tile.group(2))
    return found


def listed(browser: BrowserClient, link: str) -> int:
    page = browser.get(link)
    assert page.status_code == 200, link
    return int(page.context["page"].paginator.count)


def test_every_tile_opens_exactly_the_rows_it_counts(books: Books, in_tenant: Any) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    page = browser.get("/insights/", books.query())
    assert page.status_code == 200
    links = tile_links(page.text)
    assert {"invoices.received", "exceptions.open", "exceptions.overdue"} <= set(links)
    assert links["invoices.received"][1] == "5"
    assert listed(browser, links["invoices.received"][0]) == 5
    assert listed(browser, links["exceptions.overdue"][0]) == int(links["exceptions.overdue"][1])
    assert listed(browser, links["exceptions.open"][0]) == int(links["exceptions.open"][1])
    # a rate's link opens the rows above its line: touchless 2 of 4 decided
    assert listed(browser, links["invoices.touchless_rate"][0]) == 2
    assert listed(browser, links["invoices.exception_rate"][0]) == 2
    assert listed(browser, links["invoices.first_pass_match_rate"][0]) == 2
    # the cycle time's median is taken over the invoices approved: A, B and G
    assert listed(browser, links["invoices.cycle_days_p50"][0]) == 3
    # each row of the tables: by code, by supplier, by age, by channel
    for testid in ("by-code", "by-supplier", "aging", "by-channel"):
        table = re.search(rf'data-testid="{testid}".*?</table>', page.text, re.S)
        assert table, testid
        for link, number in re.findall(r'<a href="([^"]+)">(\d+)</a>', table.group(0)):
            assert listed(browser, html.unescape(link)) == int(number), (testid, link)


def test_the_legal_entity_filter_narrows_figures_and_lists(books: Books) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    page = browser.get("/insights/", books.query(legal_entity="DE01"))
    links = tile_links(page.text)
    assert links["invoices.received"][1] == "3"
    assert listed(browser, links["invoices.received"][0]) == 3


def test_csv_of_a_table(books: Books) -> None:
    browser = signed_in(books.org.admin, books.org.tenant)
    response = browser.get("/insights/", books.query(csv="codes"))
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().splitlines()
    assert rows[0] == "exception code,raised" and sorted(rows[1:]) == [
        "no_po,1",
        "price_variance,1",
    ]
    roles = browser.get("/insights/", books.query(csv="roles")).content.decode().splitlines()
    assert roles == [
        "step role,decided,hours p50,hours p90",
        "ap_manager,1,10.0,10.0",
        "manager,1,4.0,4.0",
    ]


def test_who_may_open_insights(books: Books, make_user: Any) -> None:
    assert signed_in(books.org.requester, books.org.tenant).get("/insights/").status_code == 403
    receiver = make_user(books.org.tenant, "rcv", ["receiver"])
    assert signed_in(receiver, books.org.tenant).get("/insights/").status_code == 403
    approver = signed_in(books.org.approver, books.org.tenant).get("/insights/", books.query())
    assert approver.status_code == 200 and 'data-kpi="approvals.hours_p50"' in approver.text
    assert 'data-kpi="invoices.received"' not in approver.text


def test_page_queries_do_not_grow_with_rows(books: Books, in_tenant: Any) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    before = count_queries(lambda: browser.get("/insights/", books.query()))
    with in_tenant(books.org.tenant):
        for n in range(30):
            _invoice(books, f"X{n}", arrived=at(books.day0 + timedelta(days=n % 9), 9))
    assert count_queries(lambda: browser.get("/insights/", books.query())) == before


def test_api_answers_the_contract(books: Books, api_for: Any) -> None:
    api = api_for(books.org.tenant, books.org.finance)
    body = api.get("/api/v1/insights/", books.query()).json()
    assert body["period"] == {"from": books.first.isoformat(), "to": books.last.isoformat()}
    assert body["invoices"]["touchless_rate"] == 0.5
    for section, keys in {
        "invoices": {
            "received",
            "touchless",
            "touchless_rate",
            "first_pass_match_rate",
            "exception_rate",
            "by_channel",
        },
        "exceptions": {
            "raised",
            "resolved",
            "open",
            "overdue",
            "by_category",
            "by_code",
            "hours_to_resolve_p50",
            "aging",
        },
        "approvals": {
            "decided",
            "hours_p50",
            "hours_p90",
            "by_role",
            "escalated",
            "overrides",
            "sod_refusals",
        },
        "requisitions": {"submitted", "auto_approved", "to_po_hours_p50"},
        "suppliers": {"onboarded", "onboarding_days_p50", "blocked", "non_compliant"},
        "payments": {"paid", "on_time_rate", "discount_captured", "discount_missed"},
        "duplicates": {"caught", "value"},
        "advice": {"shown", "accepted", "acceptance_rate"},
    }.items():
        assert keys <= set(body[section]), section
    assert set(body["exceptions"]["aging"]) == {"0-7", "8-30", "31-60", "61+"}


def test_api_refuses_bad_input(books: Books, api_for: Any) -> None:
    api = api_for(books.org.tenant, books.org.finance)
    assert api.get("/api/v1/insights/", {"from": "2026-02-30"}).status_code == 400
    late = api.get("/api/v1/insights/", {"from": "2026-03-02", "to": "2026-03-01"})
    assert late.status_code == 422 and late.json()["code"] == "validation_error"
    requester = api_for(books.org.tenant, books.org.requester)
    assert requester.get("/api/v1/insights/").status_code == 403


def test_another_tenants_figures_never_show(
    books: Books, tenant_b: Any, make_user: Any, api_for: Any
) -> None:
    admin_b = make_user(tenant_b, "admin", ["tenant_admin"])
    body = api_for(tenant_b, admin_b).get("/api/v1/insights/", books.query()).json()
    assert body["invoices"]["received"] == 0 and body["exceptions"]["raised"] == 0
