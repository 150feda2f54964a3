from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalHold(models.Model):
    """What compliance keeps from the purge, whatever its period: a supplier (its invoices and
    everything of them), one invoice (its lines, exceptions, payments and their evidence), or a
    period of dates (optionally of one legal entity). Released holds stay as the record of it."""

    class Scope(models.TextChoices):
        SUPPLIER = "supplier", _("Supplier")
        INVOICE = "invoice", _("Invoice")
        PERIOD = "period", _("Period")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")

    TRANSITIONS: dict[str, set[str]] = {
        Status.ACTIVE: {Status.RELEASED},
        Status.RELEASED: set(),
    }

    scope = models.CharField(max_length=10, choices=Scope.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # an active hold keeps its subject, so these are never nulled while it is active; a
    # released one may outlive the subject it held (then `subject_label` names it)
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    legal_entity = models.ForeignKey(
        "organization.LegalEntity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_label = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        permissions = [("manage_legal_holds", "Can place and release legal holds")]
        indexes = [models.Index(fields=["status"], name="legal_hold_status")]

    def __str__(self) -> str:
        return f"{self.scope} hold {self.pk} ({self.status})"


class PurgeRun(models.Model):
    """What one purge deleted of one kind of record: the cutoff it used (per country for the
    books of account), the rows it deleted by table, the root records by id, and how many it
    kept back and why (a legal hold, evidence still kept that refers to it)."""

    run_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    kind = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    # {"DE": "2016-01-01", "*": "2016-01-01"} or {"*": "2026-11-06T00:00:00+00:00"}
    cutoff = models.JSONField(default=dict)
    purged = models.PositiveIntegerField(default=0)  # root records
    # {"invoices.Invoice": 3, "invoices.InvoiceLine": 7, …}
    deleted = models.JSONField(default=dict)
    purged_ids = models.JSONField(default=list)
    held_back = models.PositiveIntegerField(default=0)
    # {"legal_hold": 2, "payment_evidence_kept": 1}
    held_back_reasons = models.JSONField(default=dict)
    actor = models.CharField(max_length=254)

    class Meta:
        ordering = ["-started_at", "kind"]

    def __str__(self) -> str:
        return f"{self.kind} purge {self.run_id}: {self.purged}"
