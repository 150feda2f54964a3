"""What the approval SLA sweep has due in a tenant (apps.tenancy.due): an open step past its
due time, or past its reminder time and not reminded, neither escalated yet. The reminder time
is the route's `reminder_share` of the SLA, as `sla_sweep` reads it; a share that is not a
number counts as due at once (the probe may say yes where the sweep does nothing, never no
where it would act)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apps.tenancy.due import DueProbe, register_due_probe

from .models import ApprovalRoute, ApprovalStep

DEFAULT_REMINDER_SHARE = 0.5  # sla_sweep's default


def _at(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "now": now,
        "open": str(ApprovalStep.Status.OPEN),
        "default_share": DEFAULT_REMINDER_SHARE,
    }


STEP_DUE = DueProbe(
    sql="SELECT 1 FROM {step} s JOIN {route} r ON r.id = s.route_id "
    "WHERE s.status = %(open)s AND s.escalated_at IS NULL "
    "AND s.opened_at IS NOT NULL AND s.due_at IS NOT NULL "
    "AND (s.due_at <= %(now)s OR (s.reminded_at IS NULL AND s.opened_at "
    "+ (s.due_at - s.opened_at) * (CASE "
    "WHEN r.plan -> 'settings' -> 'reminder_share' IS NULL THEN %(default_share)s "
    "WHEN jsonb_typeof(r.plan -> 'settings' -> 'reminder_share') = 'number' "
    "THEN (r.plan -> 'settings' ->> 'reminder_share')::float8 ELSE 0 END) <= %(now)s))",
    tables={"step": ApprovalStep._meta.db_table, "route": ApprovalRoute._meta.db_table},
    params=_at,
)


def register_due_probes() -> None:
    register_due_probe("apps.workflow.tasks.sweep_approval_slas", STEP_DUE)
