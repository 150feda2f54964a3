"""Celery tasks of the integrations context. Each runs in one tenant's schema; beat fans them
out to every client tenant (tenant-schemas-celery's TenantAwareScheduler)."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.events.completion import outbox_complete
from apps.events.models import OutboxEvent

from .models import IdempotencyRecord
from .webhooks.delivery import deliver_due, fan_out

log = structlog.get_logger("spendgate.outbox")
BATCH = 500


@shared_task
def dispatch_outbox() -> int:
    """Fan pending outbox events out to the webhook endpoints that want them (one delivery
    each, in the same transaction that marks them dispatched), then send what is due. The
    payload fields a batch left null are filled in first, in that transaction.

    Rows are claimed with SKIP LOCKED so two workers never dispatch the same event.
    """
    dispatched = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(dispatched_at__isnull=True)
                .order_by("created_at")[:BATCH]
            )
            if not batch:
                break
            # the fields a batch left null, filled in once, before any delivery is made
            outbox_complete(batch)
            # one UPDATE for the batch (bulk_update's CASE per row is the slow way)
            OutboxEvent.objects.filter(pk__in=[event.pk for event in batch]).update(
                dispatched_at=timezone.now(), attempts=F("attempts") + 1
            )
            fan_out(batch)
            dispatched += len(batch)
    if dispatched:
        log.info("outbox_dispatched", count=dispatched)
    deliver_due()
    return dispatched


@shared_task
def deliver_webhooks() -> int:
    """Send the deliveries due now (retries come due on their schedule; beat runs this)."""
    return deliver_due()


@shared_task
def prune_idempotency_keys() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task
def reconcile_erp() -> int:
    """The daily reconciliation with the ERP (apps/integrations/erp/reconcile.py): the number
    of mismatches found, 0 where no ERP is connected."""
    from .erp.reconcile import reconcile

    run = reconcile()
    return len(run.mismatches) if run is not None else 0


@shared_task
def post_approval_cards(task_ids: list[str]) -> int:
    """Post newly assigned approval tasks to the tenant's Slack and Teams."""
    from .services.chat import approval_cards_post

    return approval_cards_post(task_ids)
