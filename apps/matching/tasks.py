"""Celery tasks of matching, on their own `matching` queue (routed in settings:
CELERY_TASK_ROUTES). They keep the names they had when matching lived in accounts payable, so
tasks queued before a deploy still find their worker."""

from __future__ import annotations

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.matching")
BATCH = 2000


@shared_task(name="apps.invoices.tasks.match_invoices")
def match_invoices(invoice_ids: list[str]) -> dict[str, int]:
    from .services.outcome import invoices_match

    totals: dict[str, int] = {}
    for start in range(0, len(invoice_ids), BATCH):
        for key, value in invoices_match(invoice_ids=invoice_ids[start : start + BATCH]).items():
            totals[key] = totals.get(key, 0) + value
    return totals


@shared_task(name="apps.invoices.tasks.match_stalled_invoices")
def match_stalled_invoices(older_than_seconds: int = 120) -> dict[str, int]:
    """Catch-up: invoices still `received` a while after they arrived (their matching task
    was never sent or its worker was lost) are matched now. Matching skips invoices that are
    no longer `received`, so a late original task does no second match."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.invoices.models import Invoice

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Invoice.objects.filter(status=Invoice.Status.RECEIVED, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return {"matched": 0}
    log.info("matching_stalled_invoices", count=len(ids))
    return match_invoices([str(i) for i in ids])
