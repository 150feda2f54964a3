"""The contract renewal job's due probe (apps/contracts/due.py): beat sends the daily job only
to a tenant with a contract owed an alert, a renewal or its expiry, and the probe answers yes
exactly on the days the job acts (a clock walked past the notice date, the alert days and the
end, with and without auto-renewal)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.contracts.services.renewals import contract_renewal_alerts
from apps.contracts.tasks import send_contract_renewal_alerts
from apps.tenancy.due import schemas_with_work_due
from tests.beat import beat_round
from tests.org import Org, supplier_for

from .conftest import days, register_contract

pytestmark = pytest.mark.django_db
TASK = "apps.contracts.tasks.send_contract_renewal_alerts"


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def test_the_job_goes_where_a_contract_is_owed_an_alert(
    org: Org, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = org.tenant.schema_name, tenant_b.schema_name
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        register_contract(org.buyer, supplier)  # ends in 335 days
    sent = beat_round("contract-renewals", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(org.tenant):
        register_contract(org.buyer, supplier, ends_on=days(12))
    sent = beat_round("contract-renewals", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(org.tenant):
        assert send_contract_renewal_alerts()["alerts"] == 1  # the 14 days' alert
    assert beat_round("contract-renewals", tmp_path)[mine] == 0


@pytest.mark.parametrize("auto_renew", [False, True])
def test_the_probe_says_due_exactly_when_the_job_acts(
    org: Org, in_tenant: Any, auto_renew: bool
) -> None:
    mine = org.tenant.schema_name
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        register_contract(
            org.buyer, supplier, ends_on=days(40), notice_days=35, auto_renew=auto_renew
        )
        acted = []
        for offset in range(0, 45):
            day = days(offset)
            due = schemas_with_work_due(TASK, [mine], now=_noon(day)) == [mine]
            counts = contract_renewal_alerts(today=day)
            assert due == any(counts.values()), (offset, counts)
            if due:
                acted.append(offset)
        # the notice date, 30, 14 and 7 days before the end, then the end itself
        assert acted == [5, 10, 26, 33, 41]
