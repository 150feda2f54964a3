"""What auditors take away and what was checked: evidence packs, the nightly (or on-demand)
chain checks, and the monthly control reports. The tables were the audit app's until the
audit trail became a sink that imports no other context (migration 0002 renames them)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class EvidencePack(models.Model):
    """A PDF an auditor takes away: one subject's story, or a period's controls, with every
    audit event and its hashes. Its own SHA-256 is recorded as an audit event."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # a failed build may be tried again (the worker retries the same pack)
    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.READY, Status.FAILED},
        Status.FAILED: {Status.READY},
        Status.READY: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    file = models.CharField(max_length=300, blank=True)  # storage path
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    chain_valid = models.BooleanField(null=True)
    chain_first_bad = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.title or str(self.pk)

    @property
    def is_period(self) -> bool:
        return self.period_start is not None


class ChainCheck(models.Model):
    """One verification of the tenant's audit chain: the whole chain (weekly, on demand, or
    when no checkpoint can be trusted), from the last checkpoint on (nightly), or an evidence
    pack's events with their links to checkpoints.

    A valid whole or incremental check is a checkpoint: its last event (by place in chain
    order) and that event's hash, which the next check starts from. A check that finds the
    chain broken makes every checkpoint recorded before it untrusted (apps.assurance
    .checkpoints), so the break is reported by every check after it."""

    class Scope(models.TextChoices):
        FULL = "full", "The whole chain"
        INCREMENTAL = "incremental", "From the last checkpoint"
        PACK = "pack", "An evidence pack's events"

    # when the check began reading the chain (what it read is the chain as of then)
    checked_at = models.DateTimeField(default=timezone.now)
    valid = models.BooleanField()
    count = models.PositiveIntegerField()  # events read
    first_bad = models.BigIntegerField(null=True, blank=True)
    trigger = models.CharField(max_length=20)  # nightly, weekly, pack, on_demand
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.FULL)
    first_event = models.BigIntegerField(null=True, blank=True)
    last_event = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{'valid' if self.valid else 'broken'} at {self.checked_at}"


class ComplianceReport(models.Model):
    """The monthly control report (PDF and CSV), once per period: kept with its history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period_start = models.DateField()
    period_end = models.DateField()
    trigger = models.CharField(max_length=12)  # monthly, on_demand
    created_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    figures = models.JSONField(default=dict)
    pdf_file = models.CharField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    csv_file = models.CharField(max_length=300, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    emailed_to = models.JSONField(default=list)

    class Meta:
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"],
                condition=models.Q(trigger="monthly"),
                name="one_monthly_report_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"controls {self.period_start} to {self.period_end}"
