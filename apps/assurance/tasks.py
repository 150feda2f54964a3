"""Celery tasks of the audit context: evidence packs and the chain checks (nightly from the
last checkpoint, weekly whole), fanned out to every tenant by beat; all on the `reports`
queue (config/queues.py)."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

log = structlog.get_logger("spendgate.audit")


@shared_task
def generate_evidence_pack(pack_id: str) -> dict[str, Any]:
    from .packs import evidence_pack_build

    pack = evidence_pack_build(pack_id)
    log.info("evidence_pack_ready", pack=pack_id, pages=pack.pages, sha256=pack.sha256)
    return {"pack": pack_id, "sha256": pack.sha256, "pages": pack.pages}


@shared_task
def build_stalled_evidence_packs(older_than_seconds: int = 120) -> dict[str, int]:
    """Catch-up: packs still `queued` a while after they were asked for (their task was never
    sent or its worker was lost) are built now; a pack already built is left as it is."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import EvidencePack
    from .packs import evidence_pack_build

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stalled = list(
        EvidencePack.objects.filter(
            status=EvidencePack.Status.QUEUED, requested_at__lt=cutoff
        ).values_list("pk", flat=True)[:20]
    )
    for pack_id in stalled:
        evidence_pack_build(pack_id)
    return {"built": len(stalled)}


@shared_task
def verify_audit_chains(full: bool = False) -> dict[str, Any]:
    """Nightly: the chain from the last checkpoint on. Weekly (`full`): the whole chain, which
    alone finds a change to events before the checkpoint that no evidence pack has read."""
    from .chain_checks import audit_chain_check

    check = audit_chain_check(trigger="weekly" if full else "nightly", incremental=not full)
    if not check.valid:
        log.error("audit_chain_broken", first_bad=check.first_bad, count=check.count)
    return {
        "valid": check.valid,
        "count": check.count,
        "first_bad": check.first_bad,
        "scope": check.scope,
    }


@shared_task
def generate_monthly_compliance_report() -> dict[str, Any]:
    """Beat fans this out to every tenant on the first days of a month; once per month."""
    from .compliance import monthly_compliance_report

    report = monthly_compliance_report()
    return {"report": str(report.pk) if report else None}
