"""/settings/assistants/: each assistant's state under the policy, its model, how much of its
advice was followed, and every piece of advice shown; tenant admins retrain spend coding,
auditors read, others are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient

from apps.assistants.services import advice_outcome, advice_record
from tests.conftest import count_queries, host_of
from tests.org import Org

pytestmark = pytest.mark.django_db


def page_for(org: Org, user: Any, in_tenant: Any) -> BrowserClient:
    page = BrowserClient(HTTP_HOST=host_of(org.tenant))
    with in_tenant(org.tenant):
        page.force_login(user)
    return page


def shown(org: Org, n: int, assistant: str = "spend_coding") -> list[Any]:
    return [
        advice_record(
            assistant=assistant,
            model_version="spend_coding:v1 (tenant-trained, 40 requisitions)",
            inputs={"n": i},
            output={"spend_category": {"code": "IT-HW"}},
            confidence=0.9,
            shown_to=org.requester,
            subject_type="draft",
        )
        for i in range(n)
    ]


def test_the_admin_reads_each_assistant_and_its_advice(
    org: Org, in_tenant: Any, make_user: Any
) -> None:
    with in_tenant(org.tenant):
        first, second, _third = shown(org, 3)
        advice_outcome(first, actor=org.requester, followed=True)
        advice_outcome(second, actor=org.requester, followed=False)
    html = page_for(org, org.admin, in_tenant).get("/settings/assistants/").content.decode()
    for label in ("Spend coding", "Invoice reading", "Exception advice", "Supplier answers"):
        assert label in html
    row = html.split('data-assistant="spend_coding"')[1].split("</tr>")[0]
    # 3 shown, 1 followed, 1 overridden: half of what was decided
    assert [cell.split("<")[0] for cell in row.split('class="num">')[1:]] == [
        "0.60",
        "3",
        "1",
        "1",
        "50 %",
    ]
    assert "not trained yet: cold start until it is trained" in row
    advice_row = html.split('data-assistant="exception_advice"')[1].split("</tr>")[0]
    assert "nothing to train" in advice_row
    assert html.count('data-advice="') == 3 and "Overridden" in html
    assert 'data-testid="retrain"' in html


def test_the_page_follows_the_policy(org: Org, in_tenant: Any) -> None:
    from tests.assistants.conftest import assistant_policy

    with in_tenant(org.tenant):
        assistant_policy(org, "spend_coding", enabled=False, threshold=0.9)
    html = page_for(org, org.admin, in_tenant).get("/settings/assistants/").content.decode()
    row = html.split('data-assistant="spend_coding"')[1].split("</tr>")[0]
    assert ">off<" in row and ">0.90<" in row


def test_auditors_read_and_others_are_refused(org: Org, in_tenant: Any, make_user: Any) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    html = page_for(org, auditor, in_tenant).get("/settings/assistants/")
    assert html.status_code == 200 and b'data-testid="retrain"' not in html.content
    requester = page_for(org, org.requester, in_tenant)
    assert requester.get("/settings/assistants/").status_code == 403
    assert requester.post("/settings/assistants/spend/retrain/").status_code == 403


def test_the_admin_asks_for_a_retraining(
    org: Org, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    page = page_for(org, org.admin, in_tenant)
    with django_capture_on_commit_callbacks() as sent:
        answer = page.post("/settings/assistants/spend/retrain/", follow=True)
    assert "retraining in the background" in answer.content.decode() and len(sent) == 1


def test_queries_do_not_grow_with_the_advice(org: Org, in_tenant: Any) -> None:
    page = page_for(org, org.admin, in_tenant)
    with in_tenant(org.tenant):
        shown(org, 3)
    few = count_queries(lambda: page.get("/settings/assistants/"))
    with in_tenant(org.tenant):
        shown(org, 30)
        shown(org, 10, assistant="exception_advice")
    assert count_queries(lambda: page.get("/settings/assistants/")) == few
