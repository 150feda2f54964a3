"""A leaver's work moves and their access ends at once, whether the identity provider
deactivates them (SCIM) or a tenant admin does (the settings page): open approval tasks to the
delegate or the step's fallback, exceptions back to their queue, contracts to a tenant admin,
each audited; API tokens and sessions end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.workflow.models import ApprovalTask, Delegation
from tests import world
from tests.conftest import PASSWORD, host_of
from tests.invoices.conftest import aporg, receive
from tests.scim.conftest import Provider, scim_key

__all__ = ["aporg", "receive"]
pytestmark = pytest.mark.django_db


def _deactivate(provider: Provider, user: Any) -> None:
    off = provider.patch(f"Users/{user.pk}", {"op": "replace", "path": "active", "value": False})
    assert off.status_code == 200, off.content
    assert off.json()["active"] is False


def _reassigned(tenant: Any, in_tenant: Any, task: Any) -> tuple[Any, Any]:
    with in_tenant(tenant):
        old = ApprovalTask.objects.get(pk=task.pk)
        new = ApprovalTask.objects.select_related("assignee").get(
            step_id=task.step_id, status="open", on_behalf_of=task.assignee_id
        )
        event = AuditEvent.objects.get(action="approval.reassigned", data__task=str(task.pk))
    assert old.status == "delegated"
    return new, event


def test_an_approvers_open_task_moves_to_their_delegate(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    org = aporg.org
    deputy = make_user(org.tenant, "deputy", ["approver"])
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        leaver = task.assignee
        # out of office planned for next month: the person they named acts for them
        later = timezone.localdate() + timedelta(days=30)
        Delegation.objects.create(
            user=leaver, delegate=deputy, starts_on=later, ends_on=later + timedelta(days=5)
        )
    provider = Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))
    _deactivate(provider, leaver)

    new, event = _reassigned(org.tenant, in_tenant, task)
    assert new.assignee == deputy
    assert event.data["rule"] == "delegate" and event.data["to"] == deputy.email
    assert event.data["from"] == leaver.email
    assert event.actor.endswith("@service-accounts.invalid")
    with in_tenant(org.tenant):
        left = AuditEvent.objects.get(action="user.deactivated", subject_id=str(leaver.pk))
        assert left.data["moved"]["approval_tasks"] == 1


def test_without_a_delegate_the_task_goes_to_the_steps_fallback(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    org = aporg.org
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        leaver = task.assignee
        expected = org.manager if leaver.pk != org.manager.pk else None
    if expected is None:  # the leaver is the requester's manager: the fallback role's next one
        expected = make_user(org.tenant, "another.manager", ["manager"])
    provider = Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))
    _deactivate(provider, leaver)

    new, event = _reassigned(org.tenant, in_tenant, task)
    assert new.assignee == expected and event.data["rule"] == "step_fallback"


def test_with_no_one_eligible_the_task_goes_to_a_tenant_admin(
    org: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.accounts.services import user_deactivate

    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        leaver = task.assignee
        # nobody else may approve: the fallback role has no one else, the manager has left
        from apps.accounts.models import User

        others = User.objects.filter(groups__name__in=["manager", "approver"]).exclude(
            pk__in=[leaver.pk]
        )
        others.update(is_active=False)
        user_deactivate(actor=org.admin, user_id=leaver.pk, reason="Left the company")
    new, event = _reassigned(org.tenant, in_tenant, task)
    assert new.assignee == org.admin and event.data["rule"] == "tenant_admin"
    assert event.actor == org.admin.email


def test_exceptions_go_back_to_their_queue_and_contracts_to_an_admin(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    from apps.contracts.models import Contract
    from apps.invoices.models import InvoiceException
    from apps.invoices.services.resolutions import exception_assign

    org = aporg.org
    with in_tenant(org.tenant):
        exception = world.price_exception(aporg, receive, "LEAVER-1")
        exception_assign(actor=aporg.clerk, exception_id=exception.pk, assignee=aporg.clerk)
        contract = Contract.objects.create(
            number="CT-LEAVER",
            title="Cleaning",
            supplier=aporg.supplier,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=90),
            value_cap="1000",
            currency="EUR",
            owner=aporg.clerk,
        )
    provider = Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))
    _deactivate(provider, aporg.clerk)
    with in_tenant(org.tenant):
        back = InvoiceException.objects.get(pk=exception.pk)
        assert back.assignee is None and back.queue == exception.queue
        unassigned = AuditEvent.objects.get(action="invoice.exception_unassigned")
        assert unassigned.data["exception"] == str(exception.pk)
        assert unassigned.data["from"] == aporg.clerk.email
        assert Contract.objects.get(pk=contract.pk).owner == org.admin
        handed = AuditEvent.objects.get(
            action="contract.owner_changed", subject_id=str(contract.pk)
        )
        assert handed.after == {"owner": org.admin.email}


def test_tokens_and_sessions_end_at_once(org: Any, in_tenant: Any, api_for: Any) -> None:
    api = api_for(org.tenant, org.approver)
    assert api.get("/api/v1/tasks/").status_code == 200
    browser = Client(HTTP_HOST=host_of(org.tenant))
    assert (
        browser.post("/login/", {"username": org.approver.email, "password": PASSWORD}).status_code
        == 302
    )
    assert browser.get("/tasks/").status_code == 200
    other = Client(HTTP_HOST=host_of(org.tenant))  # someone else's session stays
    other.post("/login/", {"username": org.manager.email, "password": PASSWORD})

    provider = Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))
    _deactivate(provider, org.approver)

    refused = api.get("/api/v1/tasks/")
    assert refused.status_code == 401, refused.content
    assert browser.get("/tasks/").status_code == 302  # to the sign-in page
    assert other.get("/tasks/").status_code == 200
    with in_tenant(org.tenant):
        from django.contrib.sessions.models import Session
        from rest_framework.authtoken.models import Token

        assert not Token.objects.filter(user=org.approver).exists()
        assert Session.objects.count() == 1
        left = AuditEvent.objects.get(action="user.deactivated", subject_id=str(org.approver.pk))
        assert left.data["ended"] == {"tokens": 1, "sessions": 1}
    # and signing in again is refused
    again = api_for(org.tenant).post(
        "/api/v1/auth/token/", {"username": org.approver.email, "password": PASSWORD}, format="json"
    )
    assert again.status_code in (400, 401, 403)


def test_the_leaver_service_refuses(org: Any, in_tenant: Any) -> None:
    from apps.accounts.services import user_deactivate, user_reactivate
    from apps.controls.refusals import InvalidTransition, PermissionRefused, ValidationFailed

    with in_tenant(org.tenant):
        with pytest.raises(PermissionRefused):
            user_deactivate(actor=org.approver, user_id=org.requester.pk, reason="no")
        with pytest.raises(ValidationFailed):
            user_deactivate(actor=org.admin, user_id=org.admin.pk, reason="myself")
        user_deactivate(actor=org.admin, user_id=org.requester.pk, reason="left")
        with pytest.raises(InvalidTransition):
            user_deactivate(actor=org.admin, user_id=org.requester.pk, reason="again")
        user_reactivate(actor=org.admin, user_id=org.requester.pk)
        with pytest.raises(InvalidTransition):
            user_reactivate(actor=org.admin, user_id=org.requester.pk)


def test_the_last_tenant_admin_cannot_be_deactivated(org: Any, in_tenant: Any) -> None:
    provider = Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))
    with in_tenant(org.tenant):
        from apps.accounts.models import User

        # committed tests may have left other admins in the shared tenant: this one is the last
        admins = User.objects.filter(groups__name="tenant_admin", is_active=True)
        admins.exclude(pk=org.admin.pk).update(is_active=False)
        assert admins.count() == 1
    refused = provider.patch(
        f"Users/{org.admin.pk}", {"op": "replace", "path": "active", "value": False}
    )
    assert refused.status_code == 400 and "last active tenant admin" in refused.json()["detail"]
    with in_tenant(org.tenant):
        assert User.objects.get(pk=org.admin.pk).is_active


def test_a_tenant_admin_deactivates_from_the_users_page_once_confirmed(
    org: Any, in_tenant: Any
) -> None:
    from apps.accounts.models import User

    page = Client(HTTP_HOST=host_of(org.tenant))
    page.post("/login/", {"username": org.admin.email, "password": PASSWORD})
    path = f"/settings/users/{org.approver.pk}/deactivate/"
    assert f'action="{path}"' in page.get("/settings/").text
    asked = page.post(path, {"reason": "Left the company"})
    assert asked.status_code == 200 and "data-confirm-step" in asked.text
    with in_tenant(org.tenant):
        assert User.objects.get(pk=org.approver.pk).is_active
    done = page.post(path, {"reason": "Left the company", "confirmation": "given"})
    assert done.status_code == 302
    with in_tenant(org.tenant):
        assert not User.objects.get(pk=org.approver.pk).is_active
        left = AuditEvent.objects.get(action="user.deactivated", subject_id=str(org.approver.pk))
        assert left.actor == org.admin.email and left.data["reason"] == "Left the company"
    listed = page.get("/settings/").text
    assert "deactivated" in listed and f"/settings/users/{org.approver.pk}/reactivate/" in listed
    assert page.post(f"/settings/users/{org.approver.pk}/reactivate/").status_code == 302
    with in_tenant(org.tenant):
        assert User.objects.get(pk=org.approver.pk).is_active
    # someone without manage_users is refused, before any step
    other = Client(HTTP_HOST=host_of(org.tenant))
    other.post("/login/", {"username": org.manager.email, "password": PASSWORD})
    assert other.post(path, {"confirmation": "given"}).status_code == 403
