"""Celery tasks of the workflow context, fanned out to every tenant by beat."""

from __future__ import annotations

import structlog
from celery import shared_task

from .services import sla_sweep

log = structlog.get_logger("spendgate.workflow")


@shared_task
def sweep_approval_slas() -> dict[str, int]:
    counts = sla_sweep()
    if any(counts.values()):
        log.info("sla_sweep", **counts)
    return counts
