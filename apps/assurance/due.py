"""What the assurance context's periodic tasks have due in a tenant (apps.tenancy.due): an
evidence pack still queued a while after it was asked for, and last month's compliance report
not made yet (the job runs daily so a tenant missed on the 1st gets it later; from then on it
is sent nowhere until the next month)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from apps.tenancy.due import DueProbe, register_due_probe

from .compliance import previous_month
from .models import ComplianceReport, EvidencePack

CATCH_UP_SECONDS = 120  # build_stalled_evidence_packs' default


def _stalled(now: datetime, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    seconds = int(kwargs.get("older_than_seconds", CATCH_UP_SECONDS))
    return {"queued": str(EvidencePack.Status.QUEUED), "before": now - timedelta(seconds=seconds)}


def _last_month(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    start, end = previous_month(now)
    return {"start": start, "end": end}


STALLED_PACK = DueProbe(
    sql="SELECT 1 FROM {pack} WHERE status = %(queued)s AND requested_at < %(before)s",
    tables={"pack": EvidencePack._meta.db_table},
    params=_stalled,
)
REPORT_OWED = DueProbe(
    sql="SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {report} WHERE trigger = 'monthly' "
    "AND period_start = %(start)s AND period_end = %(end)s)",
    tables={"report": ComplianceReport._meta.db_table},
    params=_last_month,
)


def register_due_probes() -> None:
    register_due_probe("apps.assurance.tasks.build_stalled_evidence_packs", STALLED_PACK)
    register_due_probe("apps.assurance.tasks.generate_monthly_compliance_report", REPORT_OWED)
