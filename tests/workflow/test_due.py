"""The approval SLA sweep's due probe (apps/workflow/due.py): beat sends the sweep only to a
tenant with a step past its reminder or due time, and the probe answers yes exactly when the
sweep then acts (a clock walked past the reminder and the breach)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.tenancy.due import schemas_with_work_due
from apps.workflow.models import ApprovalStep
from apps.workflow.services import sla_sweep
from apps.workflow.tasks import sweep_approval_slas
from tests import world
from tests.beat import beat_round
from tests.org import Org

pytestmark = pytest.mark.django_db
TASK = "apps.workflow.tasks.sweep_approval_slas"


def test_the_sweep_goes_where_a_step_is_due(
    org: Org, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = org.tenant.schema_name, tenant_b.schema_name
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)  # just opened
        steps = ApprovalStep.objects.filter(pk=task.step_id)
    sent = beat_round("sweep-approval-slas", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    now = timezone.now()
    with in_tenant(org.tenant):  # most of its SLA gone: the reminder is due
        steps.update(opened_at=now - timedelta(hours=3), due_at=now + timedelta(minutes=5))
    sent = beat_round("sweep-approval-slas", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(org.tenant):
        assert sweep_approval_slas() == {"reminded": 1, "escalated": 0}
    assert beat_round("sweep-approval-slas", tmp_path)[mine] == 0  # reminded, not late yet

    with in_tenant(org.tenant):
        steps.update(due_at=now - timedelta(minutes=1))
    assert beat_round("sweep-approval-slas", tmp_path)[mine] == 1
    with in_tenant(org.tenant):
        assert sweep_approval_slas() == {"reminded": 0, "escalated": 1}
    assert beat_round("sweep-approval-slas", tmp_path)[mine] == 0


@pytest.mark.parametrize("share", [None, 0.8, "soon"])
def test_the_probe_says_due_exactly_when_the_sweep_acts(
    org: Org, in_tenant: Any, share: Any
) -> None:
    """Every quarter of an hour from the step's opening to past its breach; the route's
    `reminder_share` as the policy wrote it, left out, or not a number (then due at once:
    the sweep cannot read it, the probe must not stay silent)."""
    mine = org.tenant.schema_name
    with in_tenant(org.tenant):
        _requisition, task = world.pending(org.requester)
        step = ApprovalStep.objects.select_related("route").get(pk=task.step_id)
        plan = step.route.plan
        settings = dict(plan.get("settings") or {})
        settings.pop("reminder_share", None)
        if share is not None:
            settings["reminder_share"] = share
        step.route.plan = {**plan, "settings": settings}
        step.route.save(update_fields=["plan"])
        assert step.opened_at is not None and step.due_at is not None
        if isinstance(share, str):  # the sweep cannot read it; the probe must not hide the step
            assert schemas_with_work_due(TASK, [mine], now=step.opened_at) == [mine]
            return
        moment, acted = step.opened_at, []
        while moment <= step.due_at + timedelta(hours=1):
            due = schemas_with_work_due(TASK, [mine], now=moment) == [mine]
            counts = sla_sweep(now=moment)
            assert due == any(counts.values()), (moment, counts)
            if due:
                acted.append(counts)
            moment += timedelta(minutes=15)
        assert acted == [{"reminded": 1, "escalated": 0}, {"reminded": 0, "escalated": 1}]
