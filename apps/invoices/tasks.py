"""Celery tasks of accounts payable (matching's own are apps.matching.tasks); the re-match
after a receipt runs on the `matching` queue (config/queues.py)."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.invoices")


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
