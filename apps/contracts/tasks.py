"""Celery tasks of the contract context; beat fans the renewal job out to every tenant."""

from __future__ import annotations

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.contracts")


@shared_task
def send_contract_renewal_alerts() -> dict[str, int]:
    from .services.renewals import contract_renewal_alerts

    counts = contract_renewal_alerts()
    if any(counts.values()):
        log.info("contract_renewal_alerts", **counts)
    return counts
