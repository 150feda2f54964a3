"""A partner's client tenants' usage for one month, counted from each tenant's own rows in one
statement across their schemas (so the partner's request costs the same however many clients
it has), the month taken in each tenant's own time zone. The definitions are docs/partners.md's
("Usage and plans"); the plan's guards count the same (apps.accounts.usage,
apps.invoices.usage, apps.procurement.usage)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from apps.api.query import refuse
from apps.invoices.models import Invoice
from apps.tenancy.models import Client, ClientPlan, Partner
from apps.tenancy.plans import PLAN_METRICS, limits_of, month_first, state_of, worst
from apps.tenancy.selectors import across_client_schemas

from ..usage_models import StorageMeasure
from .storage import storage_now

CHANNELS = [value for value, _label in Invoice.Channel.choices]
MONTH_PATTERN = "^2[0-9]{3}-(0[1-9]|1[0-2])$"
MONTH = re.compile(MONTH_PATTERN)

# one row per client schema; {schema} and {client_id} are filled by tenancy, %(month)s is the
# month's first day. The month runs from the tenant's local midnight of its first day.
_MONTH_OF_SCHEMA = """
SELECT {client_id} AS client_id,
  (SELECT count(DISTINCT s.user_id) FROM {schema}.accounts_monthlysignin s
     JOIN {schema}.accounts_user u ON u.id = s.user_id
    WHERE s.month = %(month)s AND NOT u.is_service_account
      AND NOT EXISTS (SELECT 1 FROM {schema}.accounts_user_groups ug
                        JOIN {schema}.auth_group g ON g.id = ug.group_id
                       WHERE ug.user_id = u.id AND g.name = 'supplier')) AS active_users,
  (SELECT count(*) FROM {schema}.procurement_requisition r
    WHERE r.created_at >= b.since AND r.created_at < b.until) AS requisitions,
  (SELECT count(*) FROM {schema}.procurement_purchaseorder p
    WHERE p.issued_at >= b.since AND p.issued_at < b.until) AS purchase_orders,
  (SELECT coalesce(json_object_agg(i.channel, i.n), '{{}}')::text FROM
     (SELECT channel, count(*) AS n FROM {schema}.invoices_invoice
       WHERE kind = 'invoice' AND created_at >= b.since AND created_at < b.until
       GROUP BY channel) i) AS invoices,
  (SELECT count(*) FROM {schema}.inbox_mailmessage m
    WHERE m.received_at >= b.since AND m.received_at < b.until) AS emails_received
FROM (SELECT (%(month)s::timestamp AT TIME ZONE c.time_zone) AS since,
             ((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE c.time_zone) AS until
        FROM tenancy_client c WHERE c.id = {client_id}) b
"""


def month_asked(value: str | None) -> date:
    """`YYYY-MM` (default: this month, in the product's time zone); refused otherwise (400
    `invalid_parameter`)."""
    if value is None:
        return month_first(zone=ZoneInfo(settings.TIME_ZONE))
    if MONTH.fullmatch(value) is None:
        raise refuse({"month": [_("Give the month as YYYY-MM, for example 2026-11.")]})
    return date(int(value[:4]), int(value[5:7]), 1)


def _counted(clients: list[Client], month: date) -> dict[int, dict[str, Any]]:
    sql = across_client_schemas(_MONTH_OF_SCHEMA, clients)
    if not sql:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"month": month})
        columns = [col[0] for col in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {int(row["client_id"]): row for row in rows}


def _storage(clients: list[Client], month: date) -> dict[int, int | None]:
    """The most each client held in the month, as measured (the current month's measured again
    now, without being kept: the hourly task keeps it); None for a month never measured."""
    kept = {
        m.client_id: m.total_bytes
        for m in StorageMeasure.objects.filter(client__in=clients, month=month)
    }
    stored: dict[int, int | None] = {c.pk: kept.get(c.pk) for c in clients}
    current = [c for c in clients if month_first(zone=_zone(c)) == month]
    for pk, measured in storage_now(current).items():
        stored[pk] = max(stored[pk] or 0, measured.total_bytes)
    return stored


def _zone(client: Client) -> ZoneInfo:
    return ZoneInfo(client.time_zone or "UTC")


def _plan(plan: ClientPlan | None, figures: dict[str, int]) -> dict[str, Any]:
    limits = limits_of(plan)
    states = {metric: state_of(limits[metric], figures[metric]) for metric in PLAN_METRICS}
    return {
        **{f"{m}_{edge}": limits[m][edge] for m in PLAN_METRICS for edge in ("soft", "hard")},
        "states": states,
        "state": worst(list(states.values())),
    }


def partner_usage(partner: Partner, month: date) -> dict[str, Any]:
    """`{month, tenants: [...]}` for the partner's own clients, by name."""
    clients = list(
        Client.objects.filter(partner=partner).select_related("plan").order_by("name", "slug")
    )
    counted = _counted(clients, month)
    storage = _storage(clients, month)
    tenants = []
    for client in clients:
        row = counted.get(client.pk, {})
        invoices = {ch: 0 for ch in CHANNELS}
        invoices.update({k: int(v) for k, v in json.loads(row.get("invoices") or "{}").items()})
        figures = {
            "active_users": int(row.get("active_users") or 0),
            "requisitions": int(row.get("requisitions") or 0),
            "invoices": sum(invoices.values()),
        }
        tenants.append(
            {
                "slug": client.slug,
                "name": client.name,
                "time_zone": client.time_zone,
                "active_users": figures["active_users"],
                "requisitions": figures["requisitions"],
                "purchase_orders": int(row.get("purchase_orders") or 0),
                "invoices": invoices,
                "invoices_total": figures["invoices"],
                "emails_received": int(row.get("emails_received") or 0),
                "storage_bytes": storage[client.pk],
                "plan": _plan(getattr(client, "plan", None), figures),
            }
        )
    return {"month": f"{month:%Y-%m}", "tenants": tenants}


CSV_HEADER = [
    "month",
    "slug",
    "name",
    "active_users",
    "requisitions",
    "purchase_orders",
    *(f"invoices_{ch}" for ch in CHANNELS),
    "invoices_total",
    "emails_received",
    "storage_bytes",
    "plan_state",
]


def usage_rows(usage: dict[str, Any]) -> list[list[object]]:
    """The usage as a table: a header row, then one row per client."""
    rows: list[list[object]] = [list(CSV_HEADER)]
    for t in usage["tenants"]:
        rows.append(
            [
                usage["month"],
                t["slug"],
                t["name"],
                t["active_users"],
                t["requisitions"],
                t["purchase_orders"],
                *(t["invoices"][ch] for ch in CHANNELS),
                t["invoices_total"],
                t["emails_received"],
                "" if t["storage_bytes"] is None else t["storage_bytes"],
                t["plan"]["state"],
            ]
        )
    return rows
