"""The integrations' due probes (apps/integrations/due.py), counted on the real broker: the
outbox dispatcher, webhook retries, idempotency-key pruning and the ERP reconciliation go
only to a tenant with work due, do it, and then go nowhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.events.models import OutboxEvent
from apps.integrations.models import IdempotencyRecord, ReconciliationRun, WebhookDelivery
from apps.integrations.services.access import erp_connection_create
from apps.integrations.services.endpoints import endpoint_create
from apps.integrations.tasks import (
    deliver_webhooks,
    dispatch_outbox,
    prune_idempotency_keys,
    reconcile_erp,
)
from tests import world
from tests.beat import beat_round
from tests.integrations.conftest import Receiver
from tests.org import Org

pytestmark = pytest.mark.django_db


def _all_dispatched() -> None:
    """What the tenant's set-up wrote is dispatched: the tenant starts with nothing due."""
    OutboxEvent.objects.filter(dispatched_at__isnull=True).update(dispatched_at=timezone.now())


def test_the_dispatcher_goes_where_an_event_waits(
    org: Org, tenant_b: Any, in_tenant: Any, receiver: Receiver, tmp_path: Path
) -> None:
    mine, other = org.tenant.schema_name, tenant_b.schema_name
    for tenant in (org.tenant, tenant_b):
        with in_tenant(tenant):
            _all_dispatched()
    sent = beat_round("dispatch-outbox", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(org.tenant), transaction.atomic():
        endpoint_create(actor=org.admin, data={"url": receiver.url})
        world.pending(org.requester)  # `requisition.submitted`, not dispatched yet
    sent = beat_round("dispatch-outbox", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(org.tenant):
        assert dispatch_outbox() >= 1
    assert any(b'"requisition.submitted"' in body for _h, body, _p in receiver.got)
    assert beat_round("dispatch-outbox", tmp_path)[mine] == 0


def test_retries_go_where_a_delivery_is_due(
    org: Org, tenant_b: Any, in_tenant: Any, receiver: Receiver, tmp_path: Path
) -> None:
    mine, other = org.tenant.schema_name, tenant_b.schema_name
    receiver.answer(503, 200)
    with in_tenant(org.tenant):
        with transaction.atomic():
            endpoint_create(actor=org.admin, data={"url": receiver.url})
            world.pending(org.requester)
        dispatch_outbox()  # the first attempt fails: a retry in 5 s
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    sent = beat_round("deliver-webhooks", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(org.tenant):  # its retry comes due
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    sent = beat_round("deliver-webhooks", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    assert beat_round("dispatch-outbox", tmp_path)[mine] == 1  # the dispatcher sends it too
    with in_tenant(org.tenant):
        assert deliver_webhooks() == 1
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert beat_round("deliver-webhooks", tmp_path)[mine] == 0


def test_pruning_goes_where_a_key_expired(
    org: Org, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = org.tenant.schema_name, tenant_b.schema_name
    with in_tenant(org.tenant):
        key = IdempotencyRecord.objects.create(principal="user:1", key="k-1", fingerprint="f")
    sent = beat_round("prune-idempotency-keys", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(org.tenant):
        IdempotencyRecord.objects.filter(pk=key.pk).update(
            created_at=timezone.now() - timedelta(days=2)
        )
    sent = beat_round("prune-idempotency-keys", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(org.tenant):
        assert prune_idempotency_keys() == 1
    assert beat_round("prune-idempotency-keys", tmp_path)[mine] == 0


def test_reconciliation_goes_where_an_erp_is_connected(
    aporg: Any, tenant_b: Any, in_tenant: Any, tmp_path: Path
) -> None:
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    sent = beat_round("reconcile-erp", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(aporg.tenant):
        erp_connection_create(actor=aporg.org.admin, data={"name": "SAP S/4HANA"})
    sent = beat_round("reconcile-erp", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        reconcile_erp()
        assert ReconciliationRun.objects.count() == 1  # every run is kept as a report
