"""`/insights/approvals/`: the approval tasks behind the approval-latency tile and the table
by step role. Each count opens exactly the tasks it counts, slowest first, with the document
named; the legal-entity filter narrows both; readers of the approvals section who do not read
every section (approvers) get the figures without the list; queries stay flat."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from apps.workflow.models import ApprovalStep, ApprovalTask
from tests.conftest import count_queries

from .conftest import Books, at
from .test_page import signed_in, tile_links

pytestmark = pytest.mark.django_db


def _tasks(browser: Any, link: str) -> list[str]:
    page = browser.get(link)
    assert page.status_code == 200, link
    table = re.search(r'data-testid="approval-tasks".*?</table>', page.text, re.S)
    assert table
    rows = re.findall(r"<tr>\s*<td data-label.*?</tr>", table.group(0), re.S)
    assert len(rows) == page.context["page"].paginator.count
    return rows


def test_the_latency_figures_open_exactly_the_tasks_they_count(books: Books) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    page = browser.get("/insights/", books.query())
    link, shown = tile_links(page.text)["approvals.hours_p50"]
    rows = _tasks(browser, link)
    # two decided in the period (a manager's 4 h, an AP manager's 10 h), slowest first; the
    # third is decided after the period
    assert len(rows) == 2
    assert "10.0" in rows[0] and "4.0" in rows[1] and shown == "7.0 h"
    assert "REQ-DE" in rows[0] and 'href="/requisitions/' in rows[0]
    assert books.org.finance.email in rows[0] and books.org.manager.email in rows[1]
    table = re.search(r'data-testid="by-role".*?</table>', page.text, re.S)
    assert table
    linked = re.findall(r'<a href="([^"]+)">(\d+)</a>', table.group(0))
    assert len(linked) == 2  # manager and ap_manager
    for role_link, number in linked:
        assert len(_tasks(browser, html.unescape(role_link))) == int(number)


def test_the_legal_entity_narrows_the_list(books: Books) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    assert len(_tasks(browser, "/insights/approvals/?" + _q(books, legal_entity="DE01"))) == 2
    assert _tasks(browser, "/insights/approvals/?" + _q(books, legal_entity="US01")) == []


def test_an_approver_sees_the_figures_without_everyones_tasks(books: Books) -> None:
    browser = signed_in(books.org.approver, books.org.tenant)
    page = browser.get("/insights/", books.query())
    assert page.status_code == 200 and "/insights/approvals/" not in page.text
    assert browser.get("/insights/approvals/?" + _q(books)).status_code == 403
    assert (
        signed_in(books.org.requester, books.org.tenant).get("/insights/approvals/").status_code
        == 403
    )


def test_the_list_queries_do_not_grow_with_tasks(books: Books, in_tenant: Any) -> None:
    browser = signed_in(books.org.finance, books.org.tenant)
    link = "/insights/approvals/?" + _q(books)
    before = count_queries(lambda: browser.get(link))
    with in_tenant(books.org.tenant):
        first = ApprovalTask.objects.order_by("created_at").first()
        assert first is not None
        for n in range(12):
            step = ApprovalStep.objects.create(
                route=first.step.route, sequence=10 + n, sla_hours=24, reason="more", role="buyer"
            )
            opened = at(books.day0 + timedelta(days=n % 8), 9)
            task = ApprovalTask.objects.create(
                step=step,
                subject_type="requisition",
                subject_id=first.subject_id,
                assignee=books.org.buyer,
                status=ApprovalTask.Status.REJECTED,
                decided_at=opened + timedelta(hours=n + 1),
            )
            ApprovalTask.objects.filter(pk=task.pk).update(created_at=opened)
    assert len(_tasks(browser, link)) == 14
    assert count_queries(lambda: browser.get(link)) == before


def _q(books: Books, **more: str) -> str:
    from urllib.parse import urlencode

    return urlencode(books.query(**more))
