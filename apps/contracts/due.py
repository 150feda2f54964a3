"""What the contract renewal job has due in a tenant (apps.tenancy.due): an active contract past
its end (to renew or expire), at or past its notice date without the notice alert, or within
the alert days of its end without the alert of the nearest day it passed, for its current end
date, as `contract_renewal_alerts` decides."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.tenancy.due import DueProbe, register_due_probe

from .models import Contract, ContractAlert
from .services.renewals import ALERT_DAYS


def _today(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "today": timezone.localdate(now),
        "active": str(Contract.Status.ACTIVE),
        "alert_days": list(ALERT_DAYS),
        "most": max(ALERT_DAYS),
    }


CONTRACT_DUE = DueProbe(
    sql="SELECT 1 FROM {contract} c WHERE c.status = %(active)s AND ("
    "c.ends_on < %(today)s::date "
    "OR (c.notice_days > 0 AND c.ends_on - c.notice_days <= %(today)s::date "
    "AND NOT EXISTS (SELECT 1 FROM {alert} a WHERE a.contract_id = c.id "
    "AND a.ends_on = c.ends_on AND a.kind = 'notice' AND a.days_before = c.notice_days)) "
    "OR (c.ends_on - %(today)s::date <= %(most)s "
    "AND NOT EXISTS (SELECT 1 FROM {alert} a WHERE a.contract_id = c.id "
    "AND a.ends_on = c.ends_on AND a.kind = 'end' AND a.days_before = ("
    "SELECT min(t) FROM unnest(%(alert_days)s::int[]) t "
    "WHERE t >= c.ends_on - %(today)s::date))))",
    tables={"contract": Contract._meta.db_table, "alert": ContractAlert._meta.db_table},
    params=_today,
)


def register_due_probes() -> None:
    register_due_probe("apps.contracts.tasks.send_contract_renewal_alerts", CONTRACT_DUE)
