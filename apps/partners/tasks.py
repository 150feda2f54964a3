"""Celery tasks of the partner's operating model (public schema)."""

from __future__ import annotations

from celery import shared_task

from .services.lifecycle import offboardings_complete_due


@shared_task
def complete_due_offboardings() -> int:
    """Delete the tenants whose offboarding's retention period has passed (hourly)."""
    return len(offboardings_complete_due())
