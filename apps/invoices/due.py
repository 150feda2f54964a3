"""What accounts payable's periodic tasks have due in a tenant (apps.tenancy.due): beat sends
the exception SLA sweep and matching's catch-up only where these probes find work. Each reads
the same rows as its task."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from apps.tenancy.due import DueProbe, register_due_probe

from .models import Invoice, InvoiceException
from .selectors import SLA_STATES

CATCH_UP_SECONDS = 120  # match_stalled_invoices' default


def _overdue(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"now": now, "sla_states": [str(state) for state in SLA_STATES]}


def _stalled(now: datetime, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    seconds = int(kwargs.get("older_than_seconds", CATCH_UP_SECONDS))
    return {"received": str(Invoice.Status.RECEIVED), "before": now - timedelta(seconds=seconds)}


# an exception the team owns, past its due time, not escalated yet (exceptions_sla_sweep)
OVERDUE_EXCEPTION = DueProbe(
    sql="SELECT 1 FROM {exception} WHERE status = ANY(%(sla_states)s) "
    "AND escalated_at IS NULL AND due_at <= %(now)s",
    tables={"exception": InvoiceException._meta.db_table},
    params=_overdue,
)
# an invoice still `received` a while after it arrived (match_stalled_invoices)
STALLED_INVOICE = DueProbe(
    sql="SELECT 1 FROM {invoice} WHERE status = %(received)s AND created_at < %(before)s",
    tables={"invoice": Invoice._meta.db_table},
    params=_stalled,
)


def register_due_probes() -> None:
    register_due_probe("apps.invoices.tasks.sweep_exception_slas", OVERDUE_EXCEPTION)
    register_due_probe("apps.invoices.tasks.match_stalled_invoices", STALLED_INVOICE)
