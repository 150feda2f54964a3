"""Celery tasks of the partner's operating model (public schema)."""

from __future__ import annotations

import structlog
from celery import shared_task

from .services.lifecycle import offboardings_complete_due
from .support.services import support_grants_lapse

log = structlog.get_logger("spendgate.partners")


@shared_task
def complete_due_offboardings() -> int:
    """Delete the tenants whose offboarding's retention period has passed (hourly)."""
    return len(offboardings_complete_due())


@shared_task
def lapse_support_grants() -> int:
    """Support grants past their end written as expired, their stand-ins ended. Time already
    ended them (the gate checks `expires_at`); this keeps the lists and the trail current."""
    count = support_grants_lapse()
    if count:
        log.info("support_grants_lapsed", count=count)
    return count
