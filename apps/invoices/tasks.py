"""Celery tasks of accounts payable; matching runs on its own `matching` queue
(config/queues.py)."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.invoices")
BATCH = 2000


@shared_task
def match_invoices(invoice_ids: list[str]) -> dict[str, int]:
    from .services.outcome import invoices_match

    totals: dict[str, int] = {}
    for start in range(0, len(invoice_ids), BATCH):
        for key, value in invoices_match(invoice_ids=invoice_ids[start : start + BATCH]).items():
            totals[key] = totals.get(key, 0) + value
    return totals


@shared_task
def match_stalled_invoices(older_than_seconds: int = 120) -> dict[str, int]:
    """Catch-up: invoices still `received` a while after they arrived (their matching task
    was never sent or its worker was lost) are matched now. Matching skips invoices that are
    no longer `received`, so a late original task does no second match."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Invoice

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


@shared_task
def rematch_waiting_on_receipt(order_id: str) -> dict[str, Any]:
    """A goods receipt arrived: invoices of that order waiting on `not_received` match again."""
    from .services.resolutions import invoices_rematch_for_order

    count = invoices_rematch_for_order(order_id=order_id)
    log.info("rematched_after_receipt", order=order_id, invoices=count)
    return {"rematched": count}


def rematch_after_receipt(order_id: str) -> None:
    """procurement's receipt hook (registered in InvoicesConfig.ready)."""
    rematch_waiting_on_receipt.delay(order_id)


@shared_task
def sweep_exception_slas() -> dict[str, int]:
    """Beat fans this out to every tenant: overdue exceptions are escalated once."""
    from .services.escalation import exceptions_sla_sweep

    counts = exceptions_sla_sweep()
    if counts["escalated"]:
        log.info("exception_sla_sweep", **counts)
    return counts
