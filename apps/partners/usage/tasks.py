"""Celery task of usage: the hourly storage measurement (on the public schema; it walks the
client tenants itself)."""

from __future__ import annotations

import structlog
from celery import shared_task

from .storage import storage_measure_all

log = structlog.get_logger("spendgate.partners")


@shared_task
def measure_tenant_storage() -> int:
    measured = storage_measure_all()
    log.info("tenant_storage_measured", tenants=measured)
    return measured
