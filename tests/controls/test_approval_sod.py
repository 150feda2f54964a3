"""Segregation of duties on approval routes: a requester never approves their own requisition
through a delegation, one person decides one step of a route, and a delegated step does not
count as decided."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import user_set_roles
from apps.controls.refusals import SoDViolation
from apps.workflow.models import ApprovalTask
from apps.workflow.services import delegation_create, task_approve, task_delegate
from tests import world

pytestmark = pytest.mark.django_db


def test_a_requester_delegated_their_approvers_task_cannot_approve_it(
    org: Any, make_user: Any, in_tenant: Any
) -> None:
    """Out of office hands the approver's open task to the requester: the decision-time
    check still refuses self-approval."""
    requester = make_user(org.tenant, "selfdelegate", ["manager"], manager=org.manager)
    with in_tenant(org.tenant):
        requisition, task = world.pending(requester)
        approver = task.assignee
        assert approver.pk != requester.pk
        with transaction.atomic():
            delegation_create(
                actor=approver,
                delegate=requester,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate(),
            )
        handed = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=requester
        )
        with (
            pytest.raises(SoDViolation, match=r"^You requested this; someone else must approve it"),
            transaction.atomic(),
        ):
            task_approve(actor=requester, task_id=handed.pk)
        handed.refresh_from_db()
        assert handed.status == "open"


def test_one_person_decides_one_step_of_a_route_and_any_number_of_routes(
    org: Any, in_tenant: Any
) -> None:
    """Above 25,000 the route is the cost center's manager, then an AP manager. A manager who
    is also an AP manager decides step one, and is refused step two (one_step_per_person);
    deciding other routes stays allowed."""
    from apps.accounts.services import user_set_roles

    with in_tenant(org.tenant):
        user_set_roles(actor=org.admin, user=org.manager, roles=["manager", "ap_manager"])
        manager = type(org.manager).objects.get(pk=org.manager.pk)
        requisition, first = world.pending(org.requester, total="30000.00")
        assert first.assignee_id == manager.pk
        task_approve(actor=manager, task_id=first.pk)
        second = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=manager
        )
        with (
            pytest.raises(SoDViolation, match=r"^You already decided another step of this route"),
            transaction.atomic(),
        ):
            task_approve(actor=manager, task_id=second.pk)
        # the same person decides the first step of other routes as before
        for _ in range(2):
            _other, task = world.pending(org.requester, total="2000.00")
            assert task_approve(actor=manager, task_id=task.pk).status == "approved"


def test_who_delegated_a_step_may_decide_a_later_one(org: Any, in_tenant: Any) -> None:
    """one_step_per_person counts decisions; a step handed on by delegation was not decided."""
    with in_tenant(org.tenant):
        user_set_roles(actor=org.admin, user=org.manager, roles=["manager", "ap_manager"])
        manager = type(org.manager).objects.get(pk=org.manager.pk)
        requisition, first = world.pending(org.requester, total="30000.00")
        handed = task_delegate(actor=manager, task_id=first.pk, to_user=org.approver)
        task_approve(actor=org.approver, task_id=handed.pk)
        second = ApprovalTask.objects.get(
            subject_id=str(requisition.pk), status="open", assignee=manager
        )
        assert task_approve(actor=manager, task_id=second.pk).status == "approved"
