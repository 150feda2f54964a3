"""Celery task of alerts: beat fans `evaluate_alerts` out to every client tenant each minute,
so a condition (three failed attempts of a webhook endpoint, say) is raised within two."""

from __future__ import annotations

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.alerts")


@shared_task
def evaluate_alerts() -> dict[str, int]:
    from .services import alerts_evaluate

    counts = alerts_evaluate()
    if counts["raised"] or counts["resolved"]:
        log.info("alerts_evaluated", **counts)
    return counts
