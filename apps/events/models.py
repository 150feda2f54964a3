from __future__ import annotations

import uuid

from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Now


class OutboxEvent(models.Model):
    """An event of one of the event types, written in the same transaction as the change it
    announces; the integrations dispatcher delivers it. `payload` has the fields docs/events.md
    lists for `event_type` at version `schema`."""

    # batch writers leave the id, the time and the attempts to PostgreSQL (COPY)
    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False
    )
    event_type = models.CharField(max_length=64)  # read by the dispatcher, never searched
    schema = models.PositiveSmallIntegerField(default=1)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject_type}:{self.subject_id}"
