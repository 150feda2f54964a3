"""The nightly purge. Beat sends it to every active client tenant (the tenant-aware scheduler,
config/settings/base.py); it runs in that tenant's schema."""

from __future__ import annotations

from celery import shared_task

from .services.purge import retention_purge


@shared_task
def purge_expired_records() -> dict[str, int]:
    """Delete what has passed its retention period and no legal hold keeps; returns the root
    records purged per kind."""
    return {run.kind: run.purged for run in retention_purge(actor="system:retention")}
