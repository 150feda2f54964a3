"""Celery tasks of insights. `roll_up_client_days` runs once an hour on the public schema (its
beat entry names it) and walks the client tenants itself."""

from __future__ import annotations

import structlog
from celery import shared_task

from .partner import client_days_roll_up

log = structlog.get_logger("spendgate.insights")


@shared_task
def roll_up_client_days(days: int = 2) -> dict[str, int]:
    """Each client tenant's today and yesterday (its own days) for its partner's console."""
    counts = client_days_roll_up(days=days)
    log.info("client_days_rolled_up", **counts)
    return counts
