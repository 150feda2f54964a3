"""Building exceptions from findings: when each is due, the rows, and a batch's insert."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from apps.workflow.sla import add_business_hours

from ..exception_codes import CODES
from ..models import InvoiceException
from ..tolerances import Finding


def exception_due(now: Any, section: dict[str, Any]) -> Any:
    """When an exception raised now is due: the policy's SLA in business hours."""
    return add_business_hours(now, float(section["exception_sla_hours"]))


def exceptions_for(
    invoice_id: Any, findings: list[Finding], *, policy: str, due: Any
) -> list[InvoiceException]:
    return [
        InvoiceException(
            invoice_id=invoice_id,
            line_id=f.line_id,
            code=f.code,
            category=CODES[f.code][0],
            queue=CODES[f.code][1],
            detail=f.detail[:500],
            data=f.data,
            variance_amount=f.amount,
            policy_version=policy,
            due_at=due,
        )
        for f in findings
    ]


def exceptions_insert(exceptions: list[InvoiceException], now: Any) -> None:
    """Insert a batch's exceptions by one COPY. `bulk_create` would compose one statement with
    a placeholder per value, which costs more than PostgreSQL spends storing the rows."""
    if not exceptions:
        return
    fields = InvoiceException._meta.concrete_fields
    columns = ", ".join(str(f.column) for f in fields)
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its per-call proxy
    with (
        db.cursor() as cursor,
        cursor.cursor.copy(f"COPY invoices_invoiceexception ({columns}) FROM STDIN") as copy,
    ):
        for exception in exceptions:
            exception.created_at = now
            copy.write_row([f.get_db_prep_save(getattr(exception, f.attname), db) for f in fields])
