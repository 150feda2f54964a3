"""Celery tasks of the supplier context. They take ids and run in the sender's tenant
(tenant-schemas-celery); beat fans the renewal job out to every tenant."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from .models import Supplier

log = structlog.get_logger("spendgate.suppliers")


@shared_task
def run_supplier_checks(supplier_id: str, start_route: bool = False) -> dict[str, Any]:
    from .services.checks import supplier_checks_run

    if not Supplier.objects.filter(pk=supplier_id).exists():
        return {"skipped": "gone"}
    supplier = supplier_checks_run(supplier_id=supplier_id, start_route=start_route)
    return {"risk_tier": supplier.risk_tier, "screening": supplier.screening}


@shared_task
def rescreen_suppliers() -> int:
    from .services.checks import suppliers_rescreen

    count = suppliers_rescreen()
    log.info("suppliers_rescreened", count=count)
    return count


@shared_task
def send_document_renewal_alerts() -> dict[str, int]:
    from .services.renewals import document_renewal_alerts

    counts = document_renewal_alerts()
    if any(counts.values()):
        log.info("document_renewal_alerts", **counts)
    return counts
