"""The assurance context's due probes (apps/assurance/due.py), counted on the real broker: the
pack catch-up goes only where a pack waits unbuilt, the daily monthly-report job only where
last month's report is not made yet; each does its work and then goes nowhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.assurance.models import ComplianceReport, EvidencePack
from apps.assurance.packs import evidence_pack_request
from apps.assurance.tasks import build_stalled_evidence_packs, generate_monthly_compliance_report
from tests.beat import beat_round

pytestmark = pytest.mark.django_db


def test_the_catch_up_goes_where_a_pack_waits_unbuilt(
    aporg: Any, tenant_b: Any, in_tenant: Any, make_user: Any, tmp_path: Path
) -> None:
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    auditor = make_user(aporg.tenant, "auditor", ["auditor"])
    today = timezone.localdate()
    with in_tenant(aporg.tenant):  # just asked for: its own task builds it
        pack = evidence_pack_request(
            actor=auditor, period_start=today.replace(day=1), period_end=today
        )
    sent = beat_round("build-stalled-evidence-packs", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(aporg.tenant):  # its task never reached a worker
        EvidencePack.objects.filter(pk=pack.pk).update(
            requested_at=timezone.now() - timedelta(hours=1)
        )
    sent = beat_round("build-stalled-evidence-packs", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        assert build_stalled_evidence_packs() == {"built": 1}
        pack.refresh_from_db()
        assert pack.status == EvidencePack.Status.READY
    assert beat_round("build-stalled-evidence-packs", tmp_path)[mine] == 0


def test_the_monthly_report_goes_where_last_months_is_owed(
    aporg: Any, in_tenant: Any, tmp_path: Path
) -> None:
    """Run daily so a tenant missed on the 1st still gets its report; once made, the tenant
    gets the job no more until next month."""
    mine = aporg.tenant.schema_name
    with in_tenant(aporg.tenant):
        assert not ComplianceReport.objects.filter(trigger="monthly").exists()
    assert beat_round("monthly-compliance-reports", tmp_path)[mine] == 1
    with in_tenant(aporg.tenant):
        assert generate_monthly_compliance_report()["report"] is not None
    assert beat_round("monthly-compliance-reports", tmp_path)[mine] == 0
