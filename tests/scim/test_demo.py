"""The demo's SCIM story (apps/demo/provisioning.py): the printed key deactivates approver@
through SCIM and their open tasks move to the deputy they named."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.workflow.models import ApprovalTask
from tests import world
from tests.conftest import PASSWORD
from tests.scim.conftest import Provider

pytestmark = pytest.mark.django_db


def test_the_demo_key_deactivates_the_approver_and_their_tasks_move_to_the_deputy(
    org: Any, in_tenant: Any
) -> None:
    from apps.demo.provisioning import seed_provisioning

    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        leaver = task.assignee
        seeded = {
            "slug": "tenanta",
            "approver_email": leaver.email,
            "admin_email": org.admin.email,
            "password": PASSWORD,
        }
        key = seed_provisioning(**seeded)
        assert seed_provisioning(**seeded) == key  # run again: the same key, nothing new
    provider = Provider(org.tenant, key)
    found = provider.get(f'Users?filter=userName eq "{leaver.email}"').json()["Resources"][0]
    off = provider.patch(
        f"Users/{found['id']}", {"op": "replace", "path": "active", "value": False}
    )
    assert off.status_code == 200 and off.json()["active"] is False
    with in_tenant(org.tenant):
        moved = ApprovalTask.objects.get(step_id=task.step_id, status="open")
        assert moved.assignee.email.startswith("deputy@")
        assert AuditEvent.objects.get(action="approval.reassigned").data["rule"] == "delegate"
