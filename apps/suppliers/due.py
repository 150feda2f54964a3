"""What the document renewal job has due in a tenant (apps.tenancy.due): a current document
already expired, or inside the renewal window without the alert of the nearest threshold it
passed. The thresholds are the published policy's `renewal_alert_days` (or the default), read
in the same statement, as `document_renewal_alerts` reads them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.policies.models import PolicyVersion
from apps.policies.supplier_section import DEFAULT_SUPPLIER_POLICY
from apps.tenancy.due import DueProbe, register_due_probe

from .models import DocumentAlert, SupplierDocument


def _today(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "today": timezone.localdate(now),
        "current": str(SupplierDocument.Status.CURRENT),
        "published": str(PolicyVersion.Status.PUBLISHED),
        "default_days": json.dumps(DEFAULT_SUPPLIER_POLICY["renewal_alert_days"]),
    }


DOCUMENT_DUE = DueProbe(
    sql="WITH policy AS (SELECT (SELECT p.document -> 'suppliers' -> 'renewal_alert_days' "
    "FROM {policy} p WHERE p.status = %(published)s ORDER BY p.number DESC LIMIT 1) AS days), "
    "thresholds AS (SELECT value::int AS days FROM policy, jsonb_array_elements_text("
    "CASE WHEN jsonb_typeof(policy.days) = 'array' THEN policy.days "
    "ELSE %(default_days)s::jsonb END)) "
    "SELECT 1 FROM {document} d WHERE d.status = %(current)s AND d.expires_on IS NOT NULL "
    "AND d.expires_on <= %(today)s::date + (SELECT max(days) FROM thresholds) "
    "AND (d.expires_on <= %(today)s::date OR NOT EXISTS ("
    "SELECT 1 FROM {alert} a WHERE a.document_id = d.id AND a.days_before = ("
    "SELECT min(days) FROM thresholds WHERE days >= d.expires_on - %(today)s::date)))",
    tables={
        "document": SupplierDocument._meta.db_table,
        "alert": DocumentAlert._meta.db_table,
        "policy": PolicyVersion._meta.db_table,
    },
    params=_today,
)


def register_due_probes() -> None:
    register_due_probe("apps.suppliers.tasks.send_document_renewal_alerts", DOCUMENT_DUE)
