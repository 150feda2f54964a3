"""What the integrations' periodic tasks have due in a tenant (apps.tenancy.due): events not
dispatched yet and deliveries whose attempt is due (the dispatcher sends those too), expired
idempotency keys, an ERP connected to reconcile with. Each reads the rows its task reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings

from apps.events.models import OutboxEvent
from apps.tenancy.due import DueProbe, register_due_probe

from .models import ErpConnection, IdempotencyRecord, WebhookDelivery, WebhookEndpoint


def _at(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"now": now, "pending": str(WebhookDelivery.Status.PENDING)}


def _expiry(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"before": now - settings.IDEMPOTENCY_KEY_TTL}


def _none(_now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


_TABLES = {
    "delivery": WebhookDelivery._meta.db_table,
    "endpoint": WebhookEndpoint._meta.db_table,
}
# `_claim` in webhooks/delivery.py: pending, due, to an enabled endpoint
DELIVERY_DUE = DueProbe(
    sql="SELECT 1 FROM {delivery} d JOIN {endpoint} e ON e.id = d.endpoint_id "
    "WHERE d.status = %(pending)s AND d.next_attempt_at <= %(now)s AND e.enabled",
    tables=_TABLES,
    params=_at,
)
# the dispatcher sends what is due after dispatching: the same deliveries, or an event
OUTBOX_DUE = DueProbe(
    sql="SELECT 1 FROM {outbox} WHERE dispatched_at IS NULL UNION ALL "
    "SELECT 1 FROM {delivery} d JOIN {endpoint} e ON e.id = d.endpoint_id "
    "WHERE d.status = %(pending)s AND d.next_attempt_at <= %(now)s AND e.enabled",
    tables={**_TABLES, "outbox": OutboxEvent._meta.db_table},
    params=_at,
)
KEYS_EXPIRED = DueProbe(
    sql="SELECT 1 FROM {key} WHERE created_at < %(before)s",
    tables={"key": IdempotencyRecord._meta.db_table},
    params=_expiry,
)
ERP_CONNECTED = DueProbe(
    sql="SELECT 1 FROM {erp} WHERE enabled",
    tables={"erp": ErpConnection._meta.db_table},
    params=_none,
)


def register_due_probes() -> None:
    register_due_probe("apps.integrations.tasks.dispatch_outbox", OUTBOX_DUE)
    register_due_probe("apps.integrations.tasks.deliver_webhooks", DELIVERY_DUE)
    register_due_probe("apps.integrations.tasks.prune_idempotency_keys", KEYS_EXPIRED)
    register_due_probe("apps.integrations.tasks.reconcile_erp", ERP_CONNECTED)
