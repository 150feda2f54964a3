"""Approving where people are, by e-mail: an assigned task's approver gets two single-use links
that open a confirm page; the POST decides through the inbox's services (state and SoD checked
again) and the trail says channel `email`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.utils import timezone

from apps.accounts.services import user_set_roles
from apps.audit.models import AuditEvent
from apps.workflow.models import ApprovalLink, ApprovalTask
from apps.workflow.services import task_approve
from tests import world
from tests.conftest import host_of
from tests.integrations.conftest import signed_in

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://a\.localhost/approvals/([\w-]+)/")


def _mailed_links(mailoutbox: list[Any], to: str) -> dict[str, str]:
    """The approve and reject paths of the last mail to `to`."""
    mail = [m for m in mailoutbox if m.to == [to]][-1]
    approve, reject = LINK.findall(mail.body)
    return {"approve": f"/approvals/{approve}/", "reject": f"/approvals/{reject}/"}


def _pending_with_links(
    org: Any, in_tenant: Any, capture: Any, mailoutbox: list[Any], total: str = "5000.00"
) -> tuple[ApprovalTask, dict[str, str]]:
    with in_tenant(org.tenant), capture(execute=True):
        _requisition, task = world.pending(org.requester, total=total)
        assignee = task.assignee  # read in the tenant's schema
    return task, _mailed_links(mailoutbox, assignee.email)


def _decisions(in_tenant: Any, org: Any, task: ApprovalTask) -> list[dict[str, Any]]:
    with in_tenant(org.tenant):
        return [
            e.data
            for e in AuditEvent.objects.filter(
                action__in=["approval.approved", "approval.rejected"]
            )
            if e.data.get("task") == str(task.pk)
        ]


def _status(in_tenant: Any, org: Any, task: ApprovalTask) -> str:
    with in_tenant(org.tenant):
        return ApprovalTask.objects.get(pk=task.pk).status


def test_the_mail_carries_the_essentials_and_the_link_approves_once(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    task, links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    mail = mailoutbox[-1]
    assert "5000.00 USD" in mail.body and org.requester.email in mail.body
    browser = Browser(HTTP_HOST=host_of(org.tenant))

    # GET shows the request and changes nothing (a mail scanner follows the link)
    page = browser.get(links["approve"])
    assert page.status_code == 200 and 'data-testid="link-confirm"' in page.content.decode()
    assert _status(in_tenant, org, task) == "open" and _decisions(in_tenant, org, task) == []
    assert "sessionid" not in page.cookies

    done = browser.post(links["approve"], {"comment": "fine"})
    assert done.status_code == 200 and 'data-testid="link-decided"' in done.content.decode()
    assert "sessionid" not in done.cookies
    assert _status(in_tenant, org, task) == "approved"
    assert [d["channel"] for d in _decisions(in_tenant, org, task)] == ["email"]

    # the second use, and the other link of the same mail, are refused
    again = browser.post(links["approve"], {})
    assert again.status_code == 403 and "already used" in again.content.decode()
    assert browser.post(links["reject"], {"comment": "no"}).status_code == 403
    assert len(_decisions(in_tenant, org, task)) == 1


def test_an_expired_link_is_refused(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    task, links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    with in_tenant(org.tenant):
        link = ApprovalLink.objects.get(task=task, verb="approve")
        assert link.expires_at > timezone.now() + timedelta(hours=71)  # the 72 h default
        ApprovalLink.objects.filter(task=task).update(expires_at=timezone.now())
    browser = Browser(HTTP_HOST=host_of(org.tenant))
    refused = browser.post(links["approve"], {})
    assert refused.status_code == 403 and "expired" in refused.content.decode()
    assert _status(in_tenant, org, task) == "open"


def test_a_link_for_a_task_already_decided_is_refused(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    task, links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    with in_tenant(org.tenant), transaction.atomic():
        task_approve(actor=org.manager, task_id=task.pk)  # in the inbox meanwhile
    refused = Browser(HTTP_HOST=host_of(org.tenant)).post(links["reject"], {"comment": "too dear"})
    assert refused.status_code == 409 and "already approved" in refused.content.decode()
    assert [d["channel"] for d in _decisions(in_tenant, org, task)] == ["web"]


def test_a_link_is_refused_when_segregation_of_duties_forbids_the_approver(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """Above 25,000 the route is the manager, then an AP manager. A manager who is also an AP
    manager decides step one; the link mailed for step two is refused (one step per person)."""
    with in_tenant(org.tenant):
        user_set_roles(actor=org.admin, user=org.manager, roles=["manager", "ap_manager"])
        manager = type(org.manager).objects.get(pk=org.manager.pk)
    first, _links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox, total="30000.00"
    )
    with in_tenant(org.tenant), django_capture_on_commit_callbacks(execute=True):
        task_approve(actor=manager, task_id=first.pk)
    with in_tenant(org.tenant):
        second = ApprovalTask.objects.get(
            subject_id=first.subject_id, status="open", assignee=manager
        )
    links = _mailed_links(mailoutbox, manager.email)
    refused = Browser(HTTP_HOST=host_of(org.tenant)).post(links["approve"], {})
    assert refused.status_code == 409
    assert "You already decided another step of this route." in refused.content.decode()
    assert _status(in_tenant, org, second) == "open"
    with in_tenant(org.tenant):
        assert AuditEvent.objects.filter(
            action="approval.refused", data__code="sod_violation"
        ).exists()


def test_someone_signed_in_as_another_person_is_refused_and_reject_needs_a_reason(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    task, links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    other = signed_in(org.tenant, org.approver)
    assert other.post(links["approve"], {}).status_code == 403
    assert _status(in_tenant, org, task) == "open"

    browser = Browser(HTTP_HOST=host_of(org.tenant))
    page = browser.get(links["reject"])
    assert 'name="comment"' in page.content.decode() and "required" in page.content.decode()
    unexplained = browser.post(links["reject"], {"comment": " "})
    assert (
        unexplained.status_code == 200 and "Say why you reject it." in unexplained.content.decode()
    )
    assert _status(in_tenant, org, task) == "open"
    browser.post(links["reject"], {"comment": "Buy the cheaper model."})
    assert _status(in_tenant, org, task) == "rejected"
    assert [d["channel"] for d in _decisions(in_tenant, org, task)] == ["email"]


def test_the_mail_is_in_the_approvers_language(
    org: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with in_tenant(org.tenant):
        type(org.manager).objects.filter(pk=org.manager.pk).update(language="de")
    _task, _links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    assert mailoutbox[-1].subject.startswith("Genehmigung erforderlich")


def test_a_link_works_on_its_own_tenants_host_only(
    org: Any,
    in_tenant: Any,
    tenant_b: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    task, links = _pending_with_links(
        org, in_tenant, django_capture_on_commit_callbacks, mailoutbox
    )
    elsewhere = Browser(HTTP_HOST=host_of(tenant_b)).post(links["approve"], {})
    assert elsewhere.status_code == 403 and "not valid" in elsewhere.content.decode()
    assert Browser(HTTP_HOST="localhost").get(links["approve"]).status_code == 404
    assert _status(in_tenant, org, task) == "open"
