"""The document renewal job's due probe (apps/suppliers/due.py): beat sends the daily job only
to a tenant with a document owed an alert or past its expiry, and the probe answers yes
exactly on the days the job acts (a clock walked to the expiry), with the policy's own days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.policies.document import DEFAULT_POLICY
from apps.policies.services import policy_draft_create, policy_publish
from apps.suppliers.services.renewals import document_renewal_alerts
from apps.suppliers.tasks import send_document_renewal_alerts
from apps.tenancy.due import schemas_with_work_due
from tests.beat import beat_round

from .test_renewals import _approved_with_insurance

pytestmark = pytest.mark.django_db
TASK = "apps.suppliers.tasks.send_document_renewal_alerts"


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def test_the_job_goes_where_a_document_is_owed_an_alert(
    sorg: Any, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = sorg.tenant.schema_name, tenant_b.schema_name
    with in_tenant(sorg.tenant):
        _supplier, document = _approved_with_insurance(sorg, expires_in=90)
    sent = beat_round("supplier-document-renewals", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(sorg.tenant):
        document.expires_on = timezone.localdate() + timedelta(days=20)
        document.save(update_fields=["expires_on"])
    sent = beat_round("supplier-document-renewals", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(sorg.tenant):
        assert send_document_renewal_alerts()["alerts"] == 1  # the 30 days' alert
    assert beat_round("supplier-document-renewals", tmp_path)[mine] == 0


@pytest.mark.usefixtures("fresh_factors")  # publishing a policy asks for a recent second factor
@pytest.mark.parametrize("policy_days", [None, [45, 3]])
def test_the_probe_says_due_exactly_when_the_job_acts(
    sorg: Any, in_tenant: Any, policy_days: list[int] | None
) -> None:
    mine = sorg.tenant.schema_name
    with in_tenant(sorg.tenant):
        if policy_days is not None:  # the tenant's own alert days
            suppliers = {**DEFAULT_POLICY.get("suppliers", {}), "renewal_alert_days": policy_days}
            admin = sorg.org.admin
            draft = policy_draft_create(
                actor=admin, document={**DEFAULT_POLICY, "suppliers": suppliers}
            )
            policy_publish(actor=admin, version=draft)
        _approved_with_insurance(sorg, expires_in=50)
        today, acted = timezone.localdate(), []
        for offset in range(0, 52):
            day = today + timedelta(days=offset)
            due = schemas_with_work_due(TASK, [mine], now=_noon(day)) == [mine]
            counts = document_renewal_alerts(today=day)
            assert due == any(counts.values()), (offset, counts)
            if due:
                acted.append(50 - offset)  # days left
        assert acted == ([30, 14, 7, 0] if policy_days is None else [45, 3, 0])
