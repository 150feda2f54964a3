from __future__ import annotations

from django.conf import settings
from django.db import models


class ErasureRequest(models.Model):
    """Compliance asks that a person's data be erased: a former user or a supplier's contact.

    Once completed, the request keeps only the pseudonym: the person's name lives nowhere."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETED = "completed", "Completed"

    class Kind(models.TextChoices):
        USER = "user", "User"
        CONTACT = "contact", "Supplier contact"

    TRANSITIONS = {Status.PENDING: {Status.COMPLETED}, Status.COMPLETED: set()}

    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    pseudonym = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # what was rewritten: {"events": n, "texts": n} (counts only)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"erasure {self.pk} ({self.status})"
