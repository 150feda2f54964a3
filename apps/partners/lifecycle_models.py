"""A client tenant's offboarding (public schema): the full export made with the tenant backup,
when the tenant's data is deleted, and how the offboarding ended (cancelled before the date,
or completed: schema dropped). The row outlives the tenant's schema: with the trail's final
record it says what was deleted, when, and where the export is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import Client

__all__ = ["Offboarding"]


class Offboarding(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Deletion scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Deleted")

    TRANSITIONS: dict[str, set[str]] = {
        Status.SCHEDULED: {Status.CANCELLED, Status.COMPLETED},
        Status.CANCELLED: set(),
        Status.COMPLETED: set(),
    }

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="offboardings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    requested_by = models.CharField(max_length=254)  # the partner admin, by e-mail
    reason = models.TextField()
    retention_days = models.PositiveIntegerField()
    delete_after = models.DateTimeField()
    # the export: a tenant backup (apps/tenancy/backup.py) under PARTNER_EXPORT_ROOT
    export_name = models.CharField(max_length=200)
    export_sha256 = models.CharField(max_length=64)
    export_size = models.PositiveBigIntegerField()
    export_tables = models.PositiveIntegerField()
    export_rows = models.PositiveBigIntegerField()
    export_files = models.PositiveIntegerField()
    audit_events = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_by = models.CharField(max_length=254, blank=True)
    cancel_reason = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status="scheduled"),
                name="offboarding_scheduled_once",
            ),
        ]

    def __str__(self) -> str:
        return f"offboarding of {self.client_id}"
