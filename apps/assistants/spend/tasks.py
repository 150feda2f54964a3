"""Spend coding's Celery job: beat runs it nightly in every client tenant (the tenant-aware
scheduler fans it out), and a tenant admin's retrain request sends it for that tenant."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.assistants")


@shared_task(name="apps.assistants.spend.tasks.spend_model_retrain_task")
def spend_model_retrain_task() -> dict[str, Any]:
    """Retrain the current tenant's model, unless its policy switches spend coding off."""
    from ..services import assistant_enabled
    from .services import spend_model_train
    from .suggest import ASSISTANT

    if not assistant_enabled(ASSISTANT):
        return {"trained": False, "reason": "off"}
    trained = spend_model_train(actor="system:spend_coding")
    log.info("spend_model_trained", version=trained.version, **trained.metrics)
    return {"trained": True, "version": trained.version, **trained.metrics}
